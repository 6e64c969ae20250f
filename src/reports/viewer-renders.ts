import { viewerIdentity, type Viewer } from '../auth';
import { TooManyRenders } from '../common/domain.errors';
import type { RenderBudget } from './render-budget';
import type { ReportsMetrics } from './reports.metrics';
import { ViewerRenderLimit } from './viewer-render-limit';

/**
 * The renders a viewer may cause: one from their per-minute budget (RENDER_RATE_PER_MINUTE) and one of
 * their concurrent renders (RENDER_MAX_PER_VIEWER); past either, 429 and nothing rendered (and counted).
 */
export class ViewerRenders {
  private readonly concurrent: ViewerRenderLimit;

  constructor(
    private readonly budget: RenderBudget,
    maxPerViewer: number | undefined,
    private readonly metrics: ReportsMetrics,
  ) {
    this.concurrent = new ViewerRenderLimit(maxPerViewer);
  }

  async run<T>(viewer: Viewer, work: () => Promise<T>): Promise<T> {
    try {
      await this.budget.spend(viewer);
      return await this.concurrent.run(viewerIdentity(viewer), work);
    } catch (error) {
      if (error instanceof TooManyRenders) this.metrics.renderRejected(error.limit);
      throw error;
    }
  }

  /**
   * A bulk whose uncached entries exceed the viewer's budget is refused up front, not cut half-way.
   * `isUncached` is asked one entry at a time, and no further than the budget needs.
   */
  async assertRoomFor<T>(
    viewer: Viewer,
    entries: T[],
    isUncached: (entry: T) => Promise<boolean>,
  ): Promise<void> {
    const left = await this.budget.remaining(viewer);
    if (left.renders === Number.POSITIVE_INFINITY) return;
    let uncached = 0;
    for (const entry of entries) {
      if (await isUncached(entry)) uncached += 1;
      if (uncached > left.renders) {
        this.metrics.renderRejected('rate');
        throw new TooManyRenders(left.retryAfterSeconds, 'rate');
      }
    }
  }
}
