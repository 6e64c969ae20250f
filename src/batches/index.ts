export { BatchesModule } from './batches.module';
export { BatchesService, type CreatedBatch } from './batches.service';
export { signCallback } from './batch-callbacks';
export type { BatchSpec, BatchStatus } from './batch.model';
