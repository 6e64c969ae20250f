import type { INestApplication } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { s3Env, startS3rver, type TestS3 } from './support/s3rver';
import { startTestApp, testConfig } from './support/test-app';

describe('health (e2e)', () => {
  describe('s3 driver', () => {
    let s3: TestS3;
    let app: INestApplication;

    beforeAll(async () => {
      s3 = await startS3rver();
      app = await startTestApp(
        testConfig({
          ...s3Env(s3),
        }),
      );
    });

    afterAll(async () => {
      await app.close();
      await s3.stop();
    });

    it('should answer /health 200 with storage and browser up', async () => {
      const response = await request(app.getHttpServer()).get('/health').expect(200);
      const browser = { status: 'up', connected: true, active: 0, waiting: 0, waitingBatch: 0 };
      expect(response.body).toEqual({
        status: 'ok',
        info: { storage: { status: 'up' }, browser },
        error: {},
        details: { storage: { status: 'up' }, browser },
      });
    });

    it('should echo a sane X-Request-Id and make one up otherwise', async () => {
      const echoed = await request(app.getHttpServer()).get('/health/live').set('X-Request-Id', 'abc-123');
      expect(echoed.headers['x-request-id']).toBe('abc-123');
      const madeUp = await request(app.getHttpServer())
        .get('/health/live')
        .set('X-Request-Id', 'bad id with spaces');
      expect(madeUp.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('should answer an unknown route with the standard error body', async () => {
      const response = await request(app.getHttpServer()).get('/no-such-route').expect(404);
      expect(response.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'Cannot GET /no-such-route',
      });
    });

    // Runs last: it stops the endpoint.
    it('should answer /health 503 within 5 s once the endpoint is down, while /health/live stays 200', async () => {
      await s3.stop();
      const started = Date.now();
      const response = await request(app.getHttpServer()).get('/health').expect(503);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(response.body).toMatchObject({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'unhealthy: storage',
        status: 'error',
        details: { storage: { status: 'down' } },
      });
      await request(app.getHttpServer()).get('/health/ready').expect(503);
      await request(app.getHttpServer())
        .get('/health/live')
        .expect(200, { status: 'ok', info: {}, error: {}, details: {} });
    });
  });

  describe('fs driver', () => {
    let dir: string;
    let app: INestApplication;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'health-fs-'));
      app = await startTestApp(testConfig({ STORAGE_DIR: dir }));
    });

    afterAll(async () => {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('should answer /health and /health/ready 200 with a writable folder', async () => {
      await request(app.getHttpServer()).get('/health').expect(200);
      await request(app.getHttpServer()).get('/health/ready').expect(200);
    });
  });
});
