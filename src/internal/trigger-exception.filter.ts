import { Catch } from '@nestjs/common';
import { DomainExceptionFilter, type ErrorBody } from '../common/domain-exception.filter';
import { isDomainError } from '../common/domain.errors';
import { failureReason, isRetryable } from '../common/retryable';

/**
 * The backend reads `success` on every answer of its routes, errors included, and `reason` / `retryable` to
 * decide whether trying again can help (the same classification batch items retry by).
 */
@Catch()
export class TriggerExceptionFilter extends DomainExceptionFilter {
  protected override decorate(body: ErrorBody, exception: unknown): object {
    if (!isDomainError(exception)) {
      const reason = body.statusCode >= 500 ? 'internal' : 'invalid_request';
      return { success: false, ...body, reason, retryable: body.statusCode >= 500 };
    }
    return { success: false, ...body, reason: failureReason(exception), retryable: isRetryable(exception) };
  }
}
