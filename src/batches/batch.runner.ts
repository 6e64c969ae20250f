/**
 * How batch items reach a worker: an in-process queue (memory) or BullMQ on Redis (every replica's
 * workers pull from one queue). Workers pull an item only as fast as they finish one, at most
 * RENDER_CONCURRENCY at a time per replica, and the renderer runs it behind every interactive render.
 */
export abstract class BatchRunner {
  /** Queues item i of the batch at `priorities[i]` (lower first, see `queuePriorities`). */
  abstract enqueue(batchId: string, priorities: readonly number[]): Promise<void>;
  /** Items waiting (not yet taken by a worker), across replicas. */
  abstract backlog(): Promise<number>;
}
