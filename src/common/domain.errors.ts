/**
 * Domain errors: every failure the service knows about has a type here, and
 * `DomainExceptionFilter` is the one place that turns them into HTTP answers.
 */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

export type DomainErrorCode =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'storage_unavailable'
  | 'storage_object_not_found'
  | 'render_failed'
  | 'render_queue_full'
  | 'shutting_down';

/** A request value that fails validation; `field` names it for the client. */
export class InvalidInput extends DomainError {
  readonly code = 'invalid_input';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
  }
}

export class Unauthenticated extends DomainError {
  readonly code = 'unauthenticated';
}

export class Forbidden extends DomainError {
  readonly code = 'forbidden';
}

/** Storage could not answer (connection refused, timeout, 403, 5xx): never to be read as "not found". */
export class StorageUnavailable extends DomainError {
  readonly code = 'storage_unavailable';
  constructor(
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`storage ${operation} failed: ${describeCause(options?.cause)}`, options);
  }
}

export class StorageObjectNotFound extends DomainError {
  readonly code = 'storage_object_not_found';
  constructor(readonly key: string) {
    super(`no stored object at ${key}`);
  }
}

export type RenderFailureReason = 'http_status' | 'page_error' | 'timeout' | 'browser_crashed' | 'navigation';

/** A render that produced no trustworthy PDF; nothing of it may be stored or served. */
export class RenderFailed extends DomainError {
  readonly code = 'render_failed';
  constructor(
    readonly reason: RenderFailureReason,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`render failed (${reason}): ${detail}`, options);
  }
}

/** The renderer's queue is full; the client should retry after `retryAfterSeconds`. */
export class RenderQueueFull extends DomainError {
  readonly code = 'render_queue_full';
  constructor(readonly retryAfterSeconds: number) {
    super('render queue is full, retry later');
  }
}

export class ShuttingDown extends DomainError {
  readonly code = 'shutting_down';
  constructor() {
    super('service is shutting down');
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error)
    return cause.name === 'Error' ? cause.message : `${cause.name}: ${cause.message}`;
  return String(cause);
}
