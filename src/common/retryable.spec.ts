import {
  Forbidden,
  InvalidInput,
  RenderFailed,
  RenderQueueFull,
  StorageUnavailable,
  Unauthenticated,
} from './domain.errors';
import { isRetryable } from './retryable';

describe('isRetryable', () => {
  it.each([
    [new RenderFailed('timeout', 'x'), true],
    [new RenderFailed('browser_crashed', 'x'), true],
    [new RenderFailed('navigation', 'x'), true],
    [new RenderFailed('http_status', 'x', { pageStatus: 503 }), true],
    [new RenderFailed('http_status', 'x', { pageStatus: 404 }), false],
    [new RenderFailed('page_error', 'unauthorized'), false],
    [new RenderFailed('blocked', 'x'), false],
    [new StorageUnavailable('write'), true],
    [new RenderQueueFull(5), true],
    [new InvalidInput('studentId', 'is required'), false],
    [new Unauthenticated('invalid or expired token'), false],
    [new Forbidden('no'), false],
  ])('should classify %s as retryable: %s', (error, retryable) => {
    expect(isRetryable(error)).toBe(retryable);
  });
});
