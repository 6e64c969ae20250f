export { MetricsModule } from './metrics.module';
export { ReportMetrics, type CacheResult } from './report-metrics';
