import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../docs/api-answers';
import { USER_JWT } from '../docs/openapi';
import { Controller, Get, Query } from '@nestjs/common';
import { CurrentCaller, type Caller } from '../auth';
import { frontendInput } from '../common/validation.pipes';
import { REPORT_KINDS } from '../report';
import { ClassStatusQuery, ReportStatusQuery } from './report-status.dto';
import { ReportStatusService, type ClassStatus, type ReportStatus } from './report-status.service';

/** The frontend's "PDF ready / generating" badge: user JWT, same access rules as the downloads. */
@ApiTags('status')
@ApiBearerAuth(USER_JWT)
@ApiErrors([400, 401, 403, 503])
@Controller('report-status')
export class ReportStatusController {
  constructor(private readonly status: ReportStatusService) {}

  @Get()
  @ApiOkResponse({
    description: 'ready, generating or missing; never renders',
    schema: {
      type: 'object',
      required: ['reportType', 'classId', 'testId', 's3Key', 'status'],
      properties: {
        reportType: { type: 'string', enum: [...REPORT_KINDS] },
        classId: { type: 'string' },
        testId: { type: 'string', example: 'Test_5' },
        studentId: { type: 'string' },
        teacherId: { type: 'string' },
        s3Key: { type: 'string', example: 'reports/CLASS_123/Test_5/students/STU001.pdf' },
        status: { type: 'string', enum: ['ready', 'generating', 'missing'] },
        etag: { type: 'string' },
        size: { type: 'integer' },
        generatedAt: { type: 'string', format: 'date-time' },
      },
    },
  })
  report(
    @CurrentCaller() caller: Caller,
    @Query(frontendInput) query: ReportStatusQuery,
  ): Promise<ReportStatus> {
    return this.status.report(caller, query);
  }

  @Get('class')
  @ApiOkResponse({
    description: 'every report of a class and test, from one storage listing',
    schema: {
      type: 'object',
      properties: {
        classId: { type: 'string' },
        testId: { type: 'string' },
        students: {
          type: 'object',
          properties: {
            ready: { type: 'array', items: { type: 'string' } },
            generating: { type: 'array', items: { type: 'string' } },
          },
        },
        teachers: { type: 'object', properties: { ready: { type: 'array', items: { type: 'string' } } } },
        overall: { type: 'string', enum: ['ready', 'generating', 'missing'] },
      },
    },
  })
  forClass(
    @CurrentCaller() caller: Caller,
    @Query(frontendInput) query: ClassStatusQuery,
  ): Promise<ClassStatus> {
    return this.status.forClass(caller, query);
  }
}
