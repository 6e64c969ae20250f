import { Controller, Get, Query } from '@nestjs/common';
import { CurrentCaller, type Caller } from '../auth';
import { frontendInput } from '../common/validation.pipes';
import { ClassStatusQuery, ReportStatusQuery } from './report-status.dto';
import { ReportStatusService, type ClassStatus, type ReportStatus } from './report-status.service';

/** The frontend's "PDF ready / generating" badge: user JWT, same access rules as the downloads. */
@Controller('report-status')
export class ReportStatusController {
  constructor(private readonly status: ReportStatusService) {}

  @Get()
  report(
    @CurrentCaller() caller: Caller,
    @Query(frontendInput) query: ReportStatusQuery,
  ): Promise<ReportStatus> {
    return this.status.report(caller, query);
  }

  @Get('class')
  forClass(
    @CurrentCaller() caller: Caller,
    @Query(frontendInput) query: ClassStatusQuery,
  ): Promise<ClassStatus> {
    return this.status.forClass(caller, query);
  }
}
