import { Module } from '@nestjs/common';
import { BATCHES_CONFIG, RENDERER_CONFIG, type BatchesConfig, type RendererConfig } from '../config';
import { CoordinationModule, RedisConnection } from '../coordination';
import { MetricsModule, ReportMetrics } from '../metrics';
import { ReportsModule, ReportsService } from '../reports';
import { BatchCallbacks } from './batch-callbacks';
import { BatchItemProcessor } from './batch-item.processor';
import { BatchRunner } from './batch.runner';
import { BatchStore } from './batch.store';
import { BatchesService } from './batches.service';
import { BullmqBatchRunner } from './bullmq-batch.runner';
import { MemoryBatchRunner } from './memory-batch.runner';
import { MemoryBatchStore } from './memory-batch.store';
import { RedisBatchStore } from './redis-batch.store';

/** Batches behind one port; the driver (memory or redis) is chosen once, here, from BATCH_QUEUE. */
@Module({
  imports: [ReportsModule, CoordinationModule, MetricsModule],
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
      provide: BatchCallbacks,
      useFactory: (store: BatchStore, config: BatchesConfig, metrics: ReportMetrics) =>
        new BatchCallbacks(store, config, metrics),
      inject: [BatchStore, BATCHES_CONFIG, ReportMetrics],
    },
    {
      provide: BatchItemProcessor,
      useFactory: (
        store: BatchStore,
        reports: ReportsService,
        callbacks: BatchCallbacks,
        config: BatchesConfig,
        metrics: ReportMetrics,
      ) => new BatchItemProcessor(store, reports, callbacks, config, metrics),
      inject: [BatchStore, ReportsService, BatchCallbacks, BATCHES_CONFIG, ReportMetrics],
    },
    {
      provide: BatchRunner,
      useFactory: (
        processor: BatchItemProcessor,
        config: BatchesConfig,
        renderer: RendererConfig,
        metrics: ReportMetrics,
      ): BatchRunner => {
        const runner =
          config.driver === 'redis' && config.redisUrl
            ? new BullmqBatchRunner(
                processor,
                config,
                config.redisUrl,
                renderer.concurrency,
                renderer.shutdownGraceMs,
              )
            : new MemoryBatchRunner(processor, renderer.concurrency, renderer.shutdownGraceMs);
        metrics.observeBatchBacklog(() => runner.backlog());
        return runner;
      },
      inject: [BatchItemProcessor, BATCHES_CONFIG, RENDERER_CONFIG, ReportMetrics],
    },
    BatchesService,
  ],
  exports: [BatchesService],
})
export class BatchesModule {}
