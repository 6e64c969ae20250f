export { BatchesModule } from './batches.module';
export { BatchesService, type CreatedBatch } from './batches.service';
export { signCallback } from './batch-callbacks';
export { BATCH_PRIORITIES, type BatchPriority, type BatchSpec, type BatchStatus } from './batch.model';
