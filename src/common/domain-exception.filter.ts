import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { isDomainError, type KnownDomainError } from './domain.errors';

const CLIENT_CLOSED_REQUEST = 499;
/** Another replica takes over while this one drains. */
const SHUTDOWN_RETRY_AFTER_SECONDS = 5;

/** The JSON body of every error answer. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

interface ErrorAnswer {
  body: ErrorBody;
  headers?: Record<string, string>;
}

/**
 * The one place errors become HTTP: domain errors by their code, Nest's HttpExceptions as they are,
 * anything else logged and answered with a generic 500 (internal text never reaches clients).
 */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  protected readonly logger = new Logger(DomainExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const answer = this.answerFor(exception);
    if (response.headersSent) {
      // A streamed answer already started: the status can no longer change, so cut the connection.
      this.logger.error({ err: exception }, 'error after the response started');
      response.destroy();
      return;
    }
    for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
    response.status(answer.body.statusCode).json(this.decorate(answer.body, exception));
  }

  /** Hook for routes whose callers expect extra fields on errors. */
  protected decorate(body: ErrorBody, _exception: unknown): object {
    return body;
  }

  private answerFor(exception: unknown): ErrorAnswer {
    if (isDomainError(exception)) return this.domainAnswer(exception);
    if (exception instanceof HttpException) return { body: httpExceptionBody(exception) };
    const clientError = clientErrorOf(exception);
    if (clientError) return { body: clientError };
    this.logger.error({ err: exception }, 'unhandled error');
    return { body: errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'internal error') };
  }

  private domainAnswer(error: KnownDomainError): ErrorAnswer {
    switch (error.code) {
      case 'invalid_input':
        return { body: errorBody(HttpStatus.BAD_REQUEST, error.message) };
      case 'unauthenticated':
        if (error.detail !== undefined) this.logger.debug({ reason: error.detail }, 'token refused');
        return { body: errorBody(HttpStatus.UNAUTHORIZED, error.message) };
      case 'forbidden':
        return { body: errorBody(HttpStatus.FORBIDDEN, error.message) };
      case 'storage_object_not_found':
        return { body: errorBody(HttpStatus.NOT_FOUND, 'report not found') };
      case 'storage_unavailable':
        this.logger.error({ err: error }, 'storage unavailable');
        return {
          body: errorBody(HttpStatus.SERVICE_UNAVAILABLE, 'storage unavailable'),
          headers: { 'Retry-After': String(error.retryAfterSeconds) },
        };
      case 'render_failed':
        this.logger.warn({ err: error, reason: error.reason, detail: error.detail }, 'render failed');
        return { body: errorBody(HttpStatus.BAD_GATEWAY, error.message) };
      case 'not_found':
        return { body: errorBody(HttpStatus.NOT_FOUND, error.message) };
      case 'conflict':
        return { body: errorBody(HttpStatus.CONFLICT, error.message) };
      case 'report_not_stored':
        return { body: errorBody(HttpStatus.NOT_FOUND, error.message), headers: { 'X-Cache': 'MISS' } };
      case 'render_abandoned':
        // Nobody reads this answer: the client has gone. 499 is the de-facto code for it in access logs.
        return { body: errorBody(CLIENT_CLOSED_REQUEST, error.message) };
      case 'too_many_renders':
        return {
          body: errorBody(HttpStatus.TOO_MANY_REQUESTS, error.message),
          headers: { 'Retry-After': String(error.retryAfterSeconds) },
        };
      case 'render_queue_full':
        return {
          body: errorBody(HttpStatus.SERVICE_UNAVAILABLE, error.message),
          headers: { 'Retry-After': String(error.retryAfterSeconds) },
        };
      case 'coordination_unavailable':
        return {
          body: errorBody(HttpStatus.SERVICE_UNAVAILABLE, error.message),
          headers: { 'Retry-After': String(error.retryAfterSeconds) },
        };
      case 'shutting_down':
        return {
          body: errorBody(HttpStatus.SERVICE_UNAVAILABLE, error.message),
          headers: { 'Retry-After': String(SHUTDOWN_RETRY_AFTER_SECONDS) },
        };
      default:
        return assertNever(error);
    }
  }
}

export function errorBody(statusCode: number, message: string): ErrorBody {
  const error = statusCode === CLIENT_CLOSED_REQUEST ? 'Client Closed Request' : STATUS_CODES[statusCode];
  return { statusCode, error: error ?? 'Error', message };
}

/**
 * Nest's own exceptions keep their status; extra fields they carry (terminus' `status`, `info`, `details`
 * on a failed health check) stay beside the standard three.
 */
function httpExceptionBody(exception: HttpException): ErrorBody {
  const statusCode = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response !== 'object' || response === null) return errorBody(statusCode, exception.message);
  const { message: raw, error: failed, statusCode: _status, ...extra } = response as Record<string, unknown>;
  let message = exception.message;
  if (Array.isArray(raw)) message = raw.map(String).join('; ');
  else if (typeof raw === 'string') message = raw;
  else if (extra.status === 'error' && typeof failed === 'object' && failed !== null) {
    message = `unhealthy: ${Object.keys(failed).join(', ')}`;
  }
  return { ...extra, ...errorBody(statusCode, message) };
}

/**
 * Express middleware (the body parser) reports bad requests as http-errors objects: `expose` marks the
 * ones whose message is meant for the client (413 too large, 415, malformed body).
 */
function clientErrorOf(exception: unknown): ErrorBody | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const { status, expose, message } = exception as { status?: unknown; expose?: unknown; message?: unknown };
  if (expose !== true || typeof status !== 'number' || status < 400 || status > 499) return undefined;
  return errorBody(status, typeof message === 'string' ? message : 'bad request');
}

function assertNever(value: never): never {
  throw new Error(`unmapped domain error code: ${String(value)}`);
}
