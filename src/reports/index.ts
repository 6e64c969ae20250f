export { ReportsModule } from './reports.module';
export { ReportsService } from './reports.service';
export type { TriggerRequest, TriggerResult } from './served-report';
