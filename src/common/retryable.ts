import type { KnownDomainError, RenderFailed } from './domain.errors';

/**
 * Could the same request succeed later? One answer for the trigger's `retryable` field and for batch item
 * retries. Transient: timeouts, a crashed or missing browser, unreachable storage or frontend, page 5xx,
 * a full queue, shutting down. Permanent: the page's error flag, page 4xx, a blocked page, refused tokens,
 * invalid input; retrying those only repeats the same page load.
 */
export function isRetryable(error: KnownDomainError): boolean {
  switch (error.code) {
    case 'render_failed':
      return isRetryableRender(error);
    case 'storage_unavailable':
    case 'render_queue_full':
    case 'too_many_renders':
    case 'render_abandoned':
    case 'coordination_unavailable':
    case 'shutting_down':
      return true;
    case 'invalid_input':
    case 'unauthenticated':
    case 'forbidden':
    case 'storage_object_not_found':
    case 'report_not_stored':
    case 'not_found':
    case 'conflict':
      return false;
  }
}

function isRetryableRender(error: RenderFailed): boolean {
  switch (error.reason) {
    case 'timeout':
    case 'browser_crashed':
    case 'launch_failed':
    case 'navigation':
      return true;
    case 'http_status':
      return (error.pageStatus ?? 500) >= 500;
    case 'page_error':
    case 'blocked':
      return false;
  }
}

/** The machine-readable reason of a failure, as backend clients see it beside `retryable`. */
export function failureReason(error: KnownDomainError): string {
  switch (error.code) {
    case 'render_failed':
      return error.reason;
    case 'render_queue_full':
      return 'queue_full';
    default:
      return error.code;
  }
}
