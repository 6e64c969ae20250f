import { Module } from '@nestjs/common';
import { FRONTEND_CONFIG, REPORTS_CONFIG, type FrontendConfig, type ReportsConfig } from '../config';
import { CoordinationModule, KeyLocks, PurgeLog } from '../coordination';
import { MetricsModule, MetricsRegistry } from '../metrics';
import { StorageModule, ReportStorage } from '../storage';
import { ReportCache } from './report-cache';
import { ReportCacheMetrics } from './report-cache.metrics';

/** Exports the stored-report cache: storage, render locks and the purge log behind one port. */
@Module({
  imports: [StorageModule, CoordinationModule, MetricsModule],
  providers: [
    {
      provide: ReportCache,
      useFactory: (
        storage: ReportStorage,
        locks: KeyLocks,
        purges: PurgeLog,
        registry: MetricsRegistry,
        config: ReportsConfig,
        frontend: FrontendConfig,
      ) =>
        new ReportCache(
          storage,
          locks,
          purges,
          new ReportCacheMetrics(registry),
          config.lockWaitMs,
          frontend.defaultOrigin,
        ),
      inject: [ReportStorage, KeyLocks, PurgeLog, MetricsRegistry, REPORTS_CONFIG, FRONTEND_CONFIG],
    },
  ],
  exports: [ReportCache],
})
export class ReportCacheModule {}
