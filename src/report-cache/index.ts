export { ReportCache } from './report-cache';
export { ReportCacheModule } from './report-cache.module';
export type { ProduceDemand, ProduceOutcome, Produced, RenderWork, StoredReport } from './produced';
