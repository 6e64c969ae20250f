import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiPdfAnswer } from '../docs/api-answers';
import { USER_JWT } from '../docs/openapi';
import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentCaller, type Caller } from '../auth';
import { requestIdText } from '../common/request-id';
import { frontendInput } from '../common/validation.pipes';
import { etagMatches } from '../common/etag';
import { sendBulkZip } from './bulk-zip';
import { BulkReportBody, OwnReportQuery, StudentReportQuery } from './report-download.dto';
import { sendReport } from './report-response';
import { ReportsMetrics } from './reports.metrics';
import { ReportsService } from './reports.service';
import type { DemandFacts, DownloadRequest } from './served-report';

/** The frontend's download routes: same paths and query names as before; `classId` is new and optional. */
@ApiTags('downloads')
@ApiBearerAuth(USER_JWT)
@ApiErrors([400, 401, 403, 404, 429, 502, 503])
@Controller()
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly metrics: ReportsMetrics,
  ) {}

  /** A student's report: a teacher viewing a student, or the student. */
  @Get('generate-pdf')
  @ApiPdfAnswer()
  async studentReport(
    @CurrentCaller() caller: Caller,
    @Query(frontendInput) query: StudentReportQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.respond(caller, req, res, {
      ...query,
      kind: 'student',
      page: 'student',
      ...this.downloadFacts(req, res, 'generate-pdf'),
    });
  }

  /** The calling student's own report (id from the token); a class-less one renders the student-self page. */
  @Get('generate-student-pdf')
  @ApiPdfAnswer()
  async ownStudentReport(
    @CurrentCaller() caller: Caller,
    @Query(frontendInput) query: OwnReportQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.respond(caller, req, res, {
      ...query,
      kind: 'student',
      page: 'studentSelf',
      studentId: caller.viewer.studentId,
      ...this.downloadFacts(req, res, 'generate-student-pdf'),
    });
  }

  /** The calling teacher's report (id from the token); testId overall/0 is the overall report. */
  @Get('generate-teacher-pdf')
  @ApiPdfAnswer()
  async ownTeacherReport(
    @CurrentCaller() caller: Caller,
    @Query(frontendInput) query: OwnReportQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.respond(caller, req, res, {
      ...query,
      kind: 'teacher',
      page: 'teacher',
      teacherId: caller.viewer.teacherId,
      ...this.downloadFacts(req, res, 'generate-teacher-pdf'),
    });
  }

  /** Many students' reports as one zip with a manifest (200 once the zip starts). */
  @Post('generate-bulk-pdf')
  @ApiResponse({
    status: 200,
    description:
      'a zip of {studentId}.pdf entries and manifest.json (every student: cached, rendered or failed)',
    content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors([413])
  async bulk(
    @CurrentCaller() caller: Caller,
    @Body(frontendInput) body: BulkReportBody,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const entries = await this.reports.bulk(caller, {
      ...body,
      ...this.demandFacts(req, res, 'generate-bulk-pdf'),
    });
    await sendBulkZip(res, `reports_${body.testId.replace(/[^A-Za-z0-9_.-]/g, '_')}.zip`, entries);
  }

  private async respond(
    caller: Caller,
    req: Request,
    res: Response,
    download: DownloadRequest,
  ): Promise<void> {
    const served = await this.reports.serve(caller, download);
    await sendReport(res, served, etagMatches(req.headers['if-none-match'], served.etag));
  }

  /** Who asks and for what; `gone` fires when the client disconnects early. */
  private demandFacts(req: Request, res: Response, route: string): DemandFacts {
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    return {
      origin: req.headers.origin,
      requestId: requestIdText(req),
      tally: this.metrics.tally(route),
      gone: gone.signal,
    };
  }

  /**
   * HEAD and conditional requests ask about a stored PDF only; a version the caller names in If-None-Match
   * (or any HEAD) is answered without its bytes.
   */
  private downloadFacts(req: Request, res: Response, route: string) {
    const ifNoneMatch = req.headers['if-none-match'];
    const headOnly = req.method === 'HEAD';
    return {
      ...this.demandFacts(req, res, route),
      storedOnly: headOnly || ifNoneMatch !== undefined,
      wantsBody: (etag: string) => !headOnly && !etagMatches(ifNoneMatch, etag),
    };
  }
}
