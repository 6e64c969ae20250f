import { ValidationPipe } from '@nestjs/common';

/**
 * Per-parameter pipes rather than one global pipe: a global whitelist would strip unknown fields before the
 * trigger's strict pipe could refuse them.
 * Frontend requests: unknown keys (cache busters and the like) are dropped, so the existing frontend keeps
 * working unchanged and nothing unknown reaches the service.
 */
export const frontendInput = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: false,
  transform: true,
});

/** Backend requests: unknown fields are a 400 naming them. */
export const strictInput = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
});
