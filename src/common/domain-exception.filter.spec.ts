import { BadRequestException, type ArgumentsHost } from '@nestjs/common';
import { DomainExceptionFilter } from './domain-exception.filter';
import {
  Forbidden,
  InvalidInput,
  RenderAbandoned,
  RenderFailed,
  RenderQueueFull,
  ReportNotStored,
  ShuttingDown,
  StorageObjectNotFound,
  StorageUnavailable,
  TooManyRenders,
  Unauthenticated,
} from './domain.errors';
import { JsonTooDeep } from './json-depth';

interface Written {
  status?: number;
  headers: Record<string, string>;
  body?: unknown;
  destroyed: boolean;
}

function hostFor(written: Written, headersSent = false): ArgumentsHost {
  const response = {
    headersSent,
    setHeader: (name: string, value: string) => (written.headers[name] = value),
    status(code: number) {
      written.status = code;
      return this;
    },
    json: (body: unknown) => (written.body = body),
    destroy: () => (written.destroyed = true),
  };
  return { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
}

function answer(exception: unknown, headersSent = false): Written {
  const written: Written = { headers: {}, destroyed: false };
  const sut = new DomainExceptionFilter();
  jest.spyOn(sut['logger'], 'error').mockImplementation(() => undefined);
  jest.spyOn(sut['logger'], 'warn').mockImplementation(() => undefined);
  jest.spyOn(sut['logger'], 'debug').mockImplementation(() => undefined);
  sut.catch(exception, hostFor(written, headersSent));
  return written;
}

describe(DomainExceptionFilter.name, () => {
  describe('catch', () => {
    it.each([
      [new InvalidInput('studentId', 'is required'), 400, 'Bad Request', 'studentId is required', {}],
      [
        new Unauthenticated('invalid or expired token', 'jwt malformed'),
        401,
        'Unauthorized',
        'invalid or expired token',
        {},
      ],
      [
        new Forbidden('this token does not cover that report'),
        403,
        'Forbidden',
        'this token does not cover that report',
        {},
      ],
      [new StorageObjectNotFound('reports/a.pdf'), 404, 'Not Found', 'report not found', {}],
      [new ReportNotStored(), 404, 'Not Found', 'report not stored', { 'X-Cache': 'MISS' }],
      [
        new TooManyRenders(5),
        429,
        'Too Many Requests',
        'too many renders in progress for this user, retry later',
        { 'Retry-After': '5' },
      ],
      [
        new RenderAbandoned(),
        499,
        'Client Closed Request',
        'the client went away before the render finished',
        {},
      ],
      [
        new RenderFailed('navigation', 'net::ERR_CONNECTION_REFUSED at http://10.0.0.1/x'),
        502,
        'Bad Gateway',
        'render failed (navigation)',
        {},
      ],
      [
        new StorageUnavailable('write', { retryAfterSeconds: 30 }),
        503,
        'Service Unavailable',
        'storage unavailable',
        { 'Retry-After': '30' },
      ],
      [
        new RenderQueueFull(7),
        503,
        'Service Unavailable',
        'render queue is full, retry later',
        { 'Retry-After': '7' },
      ],
      [new ShuttingDown(), 503, 'Service Unavailable', 'service is shutting down', { 'Retry-After': '5' }],
      [
        new BadRequestException(['a must be b', 'c must be d']),
        400,
        'Bad Request',
        'a must be b; c must be d',
        {},
      ],
      [new JsonTooDeep(), 400, 'Bad Request', 'request body nests deeper than 32 levels', {}],
      [new Error('secret internals at /srv/app'), 500, 'Internal Server Error', 'internal error', {}],
    ])('should answer %s with %i', (exception, statusCode, error, message, headers) => {
      const written = answer(exception);
      expect(written.status).toBe(statusCode);
      expect(written.body).toEqual({ statusCode, error, message });
      expect(written.headers).toEqual(headers);
    });

    it('should cut the connection when the answer had already started', () => {
      const written = answer(new RenderFailed('timeout', 'late'), true);
      expect(written.destroyed).toBe(true);
      expect(written.body).toBeUndefined();
    });
  });
});
