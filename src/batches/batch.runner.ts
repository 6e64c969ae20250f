/**
 * How batch items reach a worker: an in-process queue (memory) or BullMQ on Redis (every replica's
 * workers pull from one queue). Workers pull an item only as fast as they finish one, at most
 * RENDER_CONCURRENCY at a time per replica, and the renderer runs it behind every interactive render.
 */
/** An item of a batch (its index) and the queue priority it runs at. */
export interface QueuedIndex {
  index: number;
  priority: number;
}

export abstract class BatchRunner {
  /** Queues these items of the batch, each at its priority (lower first, see `queuePriorities`). */
  abstract enqueue(batchId: string, items: readonly QueuedIndex[]): Promise<void>;
  /** Items waiting (not yet taken by a worker), across replicas. */
  abstract backlog(): Promise<number>;
}
