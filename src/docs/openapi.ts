import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/** The security scheme names the controllers refer to. */
export const USER_JWT = 'user-jwt';
export const SERVICE_TOKEN = 'service-token';

/** The OpenAPI document, generated from the controllers' decorators and the DTOs. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('PDF report service')
    .setDescription(
      "Renders the platform's report pages to PDF and serves them from storage first. Public routes take the " +
        "user's JWT; /internal routes the backend's service token.",
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, USER_JWT)
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-Service-Auth',
        description: 'Bearer <PDF_SERVICE_INTERNAL_TOKEN>',
      },
      SERVICE_TOKEN,
    )
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI at /docs, the document at /docs-json (DOCS_ENABLED). */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => openApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}
