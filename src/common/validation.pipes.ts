import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { InvalidInput } from './domain.errors';

/**
 * Frontend input: unknown keys (cache busters and the like) are dropped, so the existing frontend keeps
 * working unchanged and nothing unknown reaches the service. A bracketed query key (`classId[a]=x`) is
 * refused, naming the field: dropping it would silently turn a keyed download into a class-less one.
 * (A repeated key arrives as an array and fails the DTO's single-string check, naming the field too.)
 */
class FrontendInputPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: false, transform: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'query' && typeof value === 'object' && value !== null) {
      const bracketed = Object.keys(value).find((key) => key.includes('[') || key.includes(']'));
      if (bracketed !== undefined) {
        throw new InvalidInput(
          bracketed.split('[')[0] || bracketed,
          'must be a single plain query parameter',
        );
      }
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

/** Per-parameter pipes rather than one global pipe: a global whitelist would strip unknown fields before the
 * trigger's strict pipe could refuse them. */
export const frontendInput = new FrontendInputPipe();

/** Backend requests: unknown fields are a 400 naming them. */
export const strictInput = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
});
