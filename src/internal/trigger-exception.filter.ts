import { Catch } from '@nestjs/common';
import { DomainExceptionFilter, type ErrorBody } from '../common/domain-exception.filter';

/** The backend reads `success` on every trigger answer, errors included. */
@Catch()
export class TriggerExceptionFilter extends DomainExceptionFilter {
  protected override decorate(body: ErrorBody): object {
    return { success: false, ...body };
  }
}
