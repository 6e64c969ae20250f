import { Module } from '@nestjs/common';
import { BATCHES_CONFIG, RENDERER_CONFIG, type BatchesConfig, type RendererConfig } from '../config';
import { CoordinationModule, RedisConnection } from '../coordination';
import { MetricsModule, MetricsRegistry } from '../metrics';
import { ReportCache, ReportCacheModule } from '../report-cache';
import { ReportsModule, ReportsService } from '../reports';
import { BatchCallbacks } from './batch-callbacks';
import { BatchItemProcessor } from './batch-item.processor';
import { BatchRunner } from './batch.runner';
import { BatchStore } from './batch.store';
import { BatchesMetrics } from './batches.metrics';
import { BatchesService } from './batches.service';
import { BullmqBatchRunner } from './bullmq-batch.runner';
import { MemoryBatchRunner } from './memory-batch.runner';
import { MemoryBatchStore } from './memory-batch.store';
import { RedisBatchStore } from './redis-batch.store';

/** Batches behind one port; the driver (memory or redis) is chosen once, here, from BATCH_QUEUE. */
@Module({
  imports: [ReportsModule, ReportCacheModule, CoordinationModule, MetricsModule],
  providers: [
    {
      provide: BatchStore,
      useFactory: (config: BatchesConfig, redis: RedisConnection): BatchStore => {
        if (config.driver === 'memory') return new MemoryBatchStore(config.retentionMs);
        if (!redis.client) throw new Error('BATCH_QUEUE=redis without a Redis connection');
        return new RedisBatchStore(redis.client, config.retentionMs);
      },
      inject: [BATCHES_CONFIG, RedisConnection],
    },
    {
      provide: BatchesMetrics,
      useFactory: (registry: MetricsRegistry) => new BatchesMetrics(registry),
      inject: [MetricsRegistry],
    },
    {
      provide: BatchCallbacks,
      useFactory: (
        store: BatchStore,
        config: BatchesConfig,
        renderer: RendererConfig,
        metrics: BatchesMetrics,
      ) => new BatchCallbacks(store, config, renderer.shutdownGraceMs, metrics),
      inject: [BatchStore, BATCHES_CONFIG, RENDERER_CONFIG, BatchesMetrics],
    },
    {
      provide: BatchItemProcessor,
      useFactory: (
        store: BatchStore,
        reports: ReportsService,
        cache: ReportCache,
        callbacks: BatchCallbacks,
        config: BatchesConfig,
        metrics: BatchesMetrics,
      ) => new BatchItemProcessor(store, reports, cache, callbacks, config, metrics),
      inject: [BatchStore, ReportsService, ReportCache, BatchCallbacks, BATCHES_CONFIG, BatchesMetrics],
    },
    {
      provide: BatchRunner,
      useFactory: (
        processor: BatchItemProcessor,
        config: BatchesConfig,
        redis: RedisConnection,
        renderer: RendererConfig,
        metrics: BatchesMetrics,
      ): BatchRunner => {
        const runner =
          config.driver === 'redis' && redis.url
            ? new BullmqBatchRunner(processor, config, redis, renderer.concurrency, renderer.shutdownGraceMs)
            : new MemoryBatchRunner(processor, renderer.concurrency, renderer.shutdownGraceMs);
        metrics.observeBacklog(() => runner.backlog());
        return runner;
      },
      inject: [BatchItemProcessor, BATCHES_CONFIG, RedisConnection, RENDERER_CONFIG, BatchesMetrics],
    },
    BatchesService,
  ],
  exports: [BatchesService],
})
export class BatchesModule {}
