import { Catch } from '@nestjs/common';
import { DomainExceptionFilter, type ErrorBody } from '../common/domain-exception.filter';
import { isDomainError } from '../common/domain.errors';
import { isRetryable } from '../common/retryable';

/**
 * The backend reads `success` on every answer of its routes, errors included, and `retryable` to decide
 * whether trying again can help (the same classification batch items retry by).
 */
@Catch()
export class TriggerExceptionFilter extends DomainExceptionFilter {
  protected override decorate(body: ErrorBody, exception: unknown): object {
    const retryable = isDomainError(exception) ? isRetryable(exception) : body.statusCode >= 500;
    return { success: false, ...body, retryable };
  }
}
