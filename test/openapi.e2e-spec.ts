import type { INestApplication } from '@nestjs/common';
import SwaggerParser from '@apidevtools/swagger-parser';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startTestApp, testConfig } from './support/test-app';

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every route and method the app maps, from the router itself (Swagger's own /docs routes left out). */
function mappedRoutes(app: INestApplication): string[] {
  const instance = app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } };
  return (
    instance.router.stack
      .flatMap((layer) =>
        layer.route
          ? Object.keys(layer.route.methods).map(
              (method) => `${method.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`,
            )
          : [],
      )
      // Middleware mounted for every path (logging) and Swagger's own routes are not API routes.
      .filter((route) => !route.includes(' /docs') && !route.includes('*'))
      .sort()
  );
}

describe('OpenAPI (e2e)', () => {
  let app: INestApplication;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'openapi-'));
    app = await startTestApp(testConfig({ STORAGE_DIR: dir, DOCS_ENABLED: 'true' }));
  });

  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should describe every route the app maps, and be valid OpenAPI 3', async () => {
    const document = (await request(app.getHttpServer()).get('/docs-json').expect(200)).body as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(document.openapi).toMatch(/^3\./);
    const documented = Object.entries(document.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(mappedRoutes(app));
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();

    expect(document.components.securitySchemes).toEqual({
      'user-jwt': { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      'service-token': {
        type: 'apiKey',
        in: 'header',
        name: 'X-Service-Auth',
        description: 'Bearer <PDF_SERVICE_INTERNAL_TOKEN>',
      },
    });
    const download = document.paths['/generate-pdf'].get;
    expect(download.security).toEqual([{ 'user-jwt': [] }]);
    expect(Object.keys(download.responses).sort()).toEqual(
      ['200', '302', '304', '400', '401', '403', '404', '429', '502', '503'].sort(),
    );
    expect(document.paths['/internal/trigger-generate-pdf'].post.security).toEqual([{ 'service-token': [] }]);
    expect(Object.keys(document.paths['/internal/batches'].post.responses).sort()).toEqual(
      ['200', '202', '400', '401', '404', '409', '413'].sort(),
    );
  });

  it('should serve Swagger UI at /docs', async () => {
    const page = await request(app.getHttpServer()).get('/docs/').expect(200);
    expect(page.text).toContain('swagger-ui');
  });
});

describe('OpenAPI off in production', () => {
  it('should not serve /docs unless DOCS_ENABLED is set', () => {
    const config = testConfig({
      NODE_ENV: 'production',
      PDF_SERVICE_INTERNAL_TOKEN: 'x'.repeat(40),
      JWT_SECRET: 's',
      DEFAULT_FRONTEND_ORIGIN: 'https://school.example.com',
      STORAGE_DRIVER: 'fs',
    });
    expect(config.http.docsEnabled).toBe(false);
  });
});
