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
  | 'too_many_renders'
  | 'render_abandoned'
  | 'report_not_stored'
  | 'not_found'
  | 'conflict'
  | 'coordination_unavailable'
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

/** 401. `message` is what the client reads; `detail` (the library's reason) goes to the debug log only. */
export class Unauthenticated extends DomainError {
  readonly code = 'unauthenticated';
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export class Forbidden extends DomainError {
  readonly code = 'forbidden';
}

/** Storage could not answer (connection refused, timeout, 403, 5xx): never to be read as "not found". */
export class StorageUnavailable extends DomainError {
  readonly code = 'storage_unavailable';
  /** When the caller should try again. */
  readonly retryAfterSeconds: number;
  constructor(
    readonly operation: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(`storage ${operation} failed: ${describeCause(options?.cause)}`, options);
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 5;
  }
}

export class StorageObjectNotFound extends DomainError {
  readonly code = 'storage_object_not_found';
  constructor(readonly key: string) {
    super(`no stored object at ${key}`);
  }
}

export type RenderFailureReason =
  'http_status' | 'page_error' | 'timeout' | 'browser_crashed' | 'launch_failed' | 'navigation' | 'blocked';

/**
 * A render that produced no trustworthy PDF; nothing of it may be stored or served. The message (what
 * clients read) names only the reason; `detail` (URLs, hosts, page text) is for the log.
 */
export class RenderFailed extends DomainError {
  readonly code = 'render_failed';
  /** The report page's HTTP status, for `http_status` failures. */
  readonly pageStatus: number | undefined;
  constructor(
    readonly reason: RenderFailureReason,
    readonly detail: string,
    options?: { cause?: unknown; pageStatus?: number },
  ) {
    super(`render failed (${reason})`, options);
    this.pageStatus = options?.pageStatus;
  }
}

/** Every client waiting for a render has gone, so it was dropped (queued) or stopped (running). */
export class RenderAbandoned extends DomainError {
  readonly code = 'render_abandoned';
  constructor() {
    super('the client went away before the render finished');
  }
}

/**
 * The caller may not cause another render now: as many queued or running as one viewer may
 * (`concurrent`), or their render budget for this minute is spent (`rate`).
 */
export class TooManyRenders extends DomainError {
  readonly code = 'too_many_renders';
  constructor(
    readonly retryAfterSeconds: number,
    readonly limit: 'concurrent' | 'rate' = 'concurrent',
  ) {
    super(
      limit === 'rate'
        ? 'render budget for this user is spent, retry later'
        : 'too many renders in progress for this user, retry later',
    );
  }
}

/** HEAD or a conditional request for a report that is not stored: answered without rendering. */
export class ReportNotStored extends DomainError {
  readonly code = 'report_not_stored';
  constructor() {
    super('report not stored');
  }
}

/** Something the caller named (a batch) does not exist, or no longer. */
export class NotFound extends DomainError {
  readonly code = 'not_found';
}

/** The request contradicts what exists (an idempotency key reused for another body; cancelling a finished batch). */
export class Conflict extends DomainError {
  readonly code = 'conflict';
}

/** A report purged after its render was asked for: written nowhere (409, like any conflict). */
export class ReportPurged extends Conflict {
  constructor() {
    super('the report was purged while it rendered; trigger it again if it is still wanted');
  }
}

/** The renderer's queue is full; the client should retry after `retryAfterSeconds`. */
export class RenderQueueFull extends DomainError {
  readonly code = 'render_queue_full';
  constructor(readonly retryAfterSeconds: number) {
    super('render queue is full, retry later');
  }
}

/**
 * Redis (what replicas share: locks, the purge log, batch state) could not answer. Whatever needs it is
 * refused with 503 and Retry-After; what can do without it (HITs, unstored renders) goes on.
 */
export class CoordinationUnavailable extends DomainError {
  readonly code = 'coordination_unavailable';
  readonly retryAfterSeconds = 5;
  constructor(options?: { cause?: unknown }) {
    super('coordination (Redis) unavailable, retry later', options);
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

/** Every concrete domain error: the filter switches on `code` over this union and ends in a `never` check. */
export type KnownDomainError =
  | InvalidInput
  | Unauthenticated
  | Forbidden
  | StorageUnavailable
  | StorageObjectNotFound
  | RenderFailed
  | RenderQueueFull
  | TooManyRenders
  | RenderAbandoned
  | ReportNotStored
  | NotFound
  | Conflict
  | CoordinationUnavailable
  | ShuttingDown;

/** Every DomainError subclass is in `KnownDomainError` (the `code` union and the switch keep them in step). */
export function isDomainError(value: unknown): value is KnownDomainError {
  return value instanceof DomainError;
}
