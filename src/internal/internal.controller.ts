import { ApiOkResponse, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiErrors, BackendErrorAnswer } from '../docs/api-answers';
import { SERVICE_TOKEN } from '../docs/openapi';
import { Body, Controller, Delete, HttpCode, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import { requestIdText } from '../common/request-id';
import type { Request } from 'express';
import { Public, ServiceTokenGuard } from '../auth';
import { strictInput } from '../common/validation.pipes';
import { ReportsService } from '../reports';
import { TriggerExceptionFilter } from './trigger-exception.filter';
import { purgeScope } from '../report';
import { PurgeReportsBody } from './purge-reports.dto';
import { TriggerGeneratePdfBody, type TriggerGeneratePdfAnswer } from './trigger-generate-pdf.dto';

/** Backend-only routes: the service token instead of a user JWT. */
@ApiTags('backend')
@ApiSecurity(SERVICE_TOKEN)
@ApiErrors([400, 401, 413], BackendErrorAnswer)
@Controller('internal')
@Public()
@UseGuards(ServiceTokenGuard)
@UseFilters(TriggerExceptionFilter)
export class InternalController {
  constructor(private readonly reports: ReportsService) {}

  /** Renders and stores one report; answers 202 only once it is stored. */
  @Post('trigger-generate-pdf')
  @ApiResponse({
    status: 202,
    description: 'rendered and stored under s3Key (or already stored with force: false)',
    schema: {
      type: 'object',
      properties: {
        success: { type: 'boolean', example: true },
        message: { type: 'string', example: 'PDF generation completed' },
        reportType: { type: 'string' },
        testId: { type: 'string' },
        classId: { type: 'string' },
        s3Key: { type: 'string', example: 'reports/CLASS_123/Test_5/students/STU001.pdf' },
        cached: { type: 'boolean' },
        bytes: { type: 'integer' },
        durationMs: { type: 'integer' },
      },
    },
  })
  @ApiErrors([409, 502, 503], BackendErrorAnswer)
  @HttpCode(202)
  async trigger(
    @Body(strictInput)
    body: TriggerGeneratePdfBody,
    @Req() req: Request,
  ): Promise<TriggerGeneratePdfAnswer> {
    const result = await this.reports.generate({ ...body, requestId: requestIdText(req) });
    return {
      success: true,
      message: result.cached ? 'PDF already stored' : 'PDF generation completed',
      reportType: body.reportType,
      testId: body.testId,
      classId: body.classId,
      s3Key: result.key,
      cached: result.cached,
      bytes: result.bytes,
      durationMs: result.durationMs,
    };
  }

  /** Deletes stored reports (a key, a test's folder, a class's folder); renders in flight do not write back. */
  @Delete('reports')
  @ApiOkResponse({
    description: 'what was deleted',
    schema: {
      type: 'object',
      properties: {
        success: { type: 'boolean', example: true },
        deleted: { type: 'integer', example: 21 },
        scope: { type: 'string', example: 'reports/CLASS_123/Test_5/' },
      },
    },
  })
  @ApiErrors([503], BackendErrorAnswer)
  @HttpCode(200)
  async purge(
    @Body(strictInput) body: PurgeReportsBody,
  ): Promise<{ success: true; deleted: number; scope: string }> {
    const scope = purgeScope(body);
    return { success: true, deleted: await this.reports.purge(scope), scope };
  }
}
