export { ReportsModule } from './reports.module';
export { ReportsService } from './reports.service';
export { ReportPageUrls } from './report-page-urls';
export { ReportsMetrics, type CacheTally } from './reports.metrics';
export type { TriggerRequest, TriggerResult } from './served-report';
