import { TooManyRenders } from '../common/domain.errors';

const RETRY_AFTER_SECONDS = 5;

/**
 * Renders one viewer may have queued or running at once (RENDER_MAX_PER_VIEWER); undefined = no cap.
 * Per process: one user cannot fill the render queue that every other user waits in.
 */
export class ViewerRenderLimit {
  private readonly inProgress = new Map<string, number>();

  constructor(private readonly max: number | undefined) {}

  /** Runs `work` as one of `viewer`'s renders, or refuses at once with `TooManyRenders`. */
  async run<T>(viewer: string, work: () => Promise<T>): Promise<T> {
    if (this.max === undefined) return work();
    const count = this.inProgress.get(viewer) ?? 0;
    if (count >= this.max) throw new TooManyRenders(RETRY_AFTER_SECONDS);
    this.inProgress.set(viewer, count + 1);
    try {
      return await work();
    } finally {
      const left = (this.inProgress.get(viewer) ?? 1) - 1;
      if (left === 0) this.inProgress.delete(viewer);
      else this.inProgress.set(viewer, left);
    }
  }
}
