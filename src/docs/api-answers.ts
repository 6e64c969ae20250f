import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';

/** The JSON body of every error answer (see DomainExceptionFilter). */
export class ErrorAnswer {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({ example: 'studentId must be 1-128 characters of letters, digits, _ - . @' })
  message!: string;
}

/** Backend routes add `success: false` and the failure's classification. */
export class BackendErrorAnswer extends ErrorAnswer {
  @ApiProperty({ example: false })
  success!: boolean;

  @ApiProperty({ example: 'page_error', description: 'render failure reason or error code' })
  reason!: string;

  @ApiProperty({ example: false, description: 'whether trying again later can help' })
  retryable!: boolean;
}

const MEANING: Record<number, string> = {
  400: 'a field is invalid (the message names it)',
  401: 'missing or invalid token',
  403: 'the token does not cover that report',
  404: 'not found (or, for HEAD / If-None-Match, not stored)',
  409: 'conflicts with what exists',
  413: 'body too large',
  429: 'too many renders for this user (Retry-After)',
  502: 'the render failed (the message names the reason)',
  503: 'render queue full, storage unavailable or shutting down (Retry-After)',
};

/** Documents the error answers a route can give, all with the one error schema. */
export function ApiErrors(codes: number[], schema: typeof ErrorAnswer = ErrorAnswer) {
  return applyDecorators(
    ...codes.map((status) => ApiResponse({ status, description: MEANING[status] ?? 'error', type: schema })),
  );
}

/** A PDF answer: binary body with the cache and entity headers. */
export function ApiPdfAnswer() {
  return applyDecorators(
    ApiResponse({
      status: 200,
      description: 'the report PDF (stored: HIT; rendered: MISS or BYPASS)',
      content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
      headers: {
        'X-Cache': {
          description: 'HIT, MISS or BYPASS',
          schema: { type: 'string', enum: ['HIT', 'MISS', 'BYPASS'] },
        },
        ETag: { description: 'entity tag of the PDF', schema: { type: 'string' } },
        'Content-Disposition': { description: 'attachment with the file name', schema: { type: 'string' } },
      },
    }),
    ApiResponse({ status: 302, description: 'HIT_DELIVERY=redirect: Location is a presigned storage URL' }),
    ApiResponse({ status: 304, description: 'If-None-Match names the stored version' }),
  );
}
