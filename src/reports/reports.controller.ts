import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { requestIdText } from '../common/request-id';
import type { Request, Response } from 'express';
import { CurrentCaller, type Caller } from '../auth';
import { frontendInput } from '../common/validation.pipes';
import { RENDERER_CONFIG, type RendererConfig } from '../config';
import { sendBulkZip } from './bulk-zip';
import { BulkReportBody, OwnReportQuery, StudentReportQuery } from './report-download.dto';
import { sendReport } from './report-response';
import { ReportsService } from './reports.service';
import type { DownloadRequest } from './served-report';

/** The frontend's download routes: same paths and query names as before; `classId` is new and optional. */
@Controller()
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    @Inject(RENDERER_CONFIG) private readonly renderer: RendererConfig,
  ) {}

  /** A student's report: a teacher viewing a student, or the student. */
  @Get('generate-pdf')
  async studentReport(
    @CurrentCaller() caller: Caller,
    @Query(frontendInput) query: StudentReportQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.respond(caller, req, res, 'generate-pdf', { ...query, kind: 'student', page: 'student' });
  }

  /** The calling student's own report (id from the token), rendered from the student-self page. */
  @Get('generate-student-pdf')
  async ownStudentReport(
    @CurrentCaller() caller: Caller,
    @Query(frontendInput) query: OwnReportQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const studentId = caller.viewer.studentId;
    await this.respond(caller, req, res, 'generate-student-pdf', {
      ...query,
      kind: 'student',
      page: 'studentSelf',
      studentId,
    });
  }

  /** The calling teacher's report (id from the token); testId overall/0 is the overall report. */
  @Get('generate-teacher-pdf')
  async ownTeacherReport(
    @CurrentCaller() caller: Caller,
    @Query(frontendInput) query: OwnReportQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const teacherId = caller.viewer.teacherId;
    await this.respond(caller, req, res, 'generate-teacher-pdf', {
      ...query,
      kind: 'teacher',
      page: 'teacher',
      teacherId,
    });
  }

  /** Many students' reports as one zip with a manifest. */
  @Post('generate-bulk-pdf')
  @HttpCode(200)
  async bulk(
    @CurrentCaller() caller: Caller,
    @Body(frontendInput) body: BulkReportBody,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const facts = requestFacts(req, 'generate-bulk-pdf');
    const entries = this.reports.bulk(
      caller,
      {
        studentIds: body.studentIds,
        testId: body.testId,
        classId: body.classId,
        origin: facts.origin,
        requestId: facts.requestId,
      },
      this.renderer.concurrency,
    );
    await sendBulkZip(res, `reports_${body.testId.replace(/[^A-Za-z0-9_.-]/g, '_')}.zip`, entries);
  }

  private async respond(
    caller: Caller,
    req: Request,
    res: Response,
    route: string,
    report: Omit<DownloadRequest, keyof RequestFacts>,
  ): Promise<void> {
    await sendReport(res, await this.reports.serve(caller, { ...report, ...requestFacts(req, route) }));
  }
}

type RequestFacts = Pick<DownloadRequest, 'origin' | 'ifNoneMatch' | 'headOnly' | 'requestId' | 'route'>;

function requestFacts(
  req: Request,
  route: string,
): Omit<DownloadRequest, 'kind' | 'page' | 'classId' | 'testId'> {
  return {
    origin: req.headers.origin,
    ifNoneMatch: req.headers['if-none-match'],
    headOnly: req.method === 'HEAD',
    requestId: requestIdText(req),
    route,
  };
}
