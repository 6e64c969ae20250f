import { median } from '../harness/load';
import type { Figure } from '../harness/results';
import { startService } from '../harness/service';
import { adminToken, frontendEnv, judged, type BenchContext } from './context';

/** Renders in flight at once: keeps both cores busy so the run fits the time budget. */
const STREAMS = 2;
/** Memory is the median over this many renders ending at each checkpoint, not one noisy sample. */
const WINDOW = 20;

/** Many renders in a row (BYPASS, so storage does not grow): memory around render 100 and at the end. */
export async function soakScenario(context: BenchContext, renders: number): Promise<Figure[]> {
  const total = context.smoke ? 12 : renders;
  const checkpoint = context.smoke ? 6 : 100;
  const window = context.smoke ? 3 : WINDOW;
  const service = await startService({ STORAGE_DRIVER: 'fs', ...frontendEnv(context.frontend) });
  try {
    let started = 0;
    let finished = 0;
    // Reading every Chromium process's memory is not free: only the two windows are sampled.
    const early: number[] = [];
    const late: number[] = [];
    await Promise.all(
      Array.from({ length: STREAMS }, async () => {
        while (started < total) {
          const index = ++started;
          const answer = await fetch(`${service.base}/generate-pdf?studentId=K${index % 50}&testId=Test_1`, {
            headers: { Authorization: `Bearer ${adminToken()}` },
          });
          await answer.arrayBuffer();
          if (answer.status !== 200) {
            throw new Error(
              `soak render ${index} answered ${answer.status}; service log: ${service.logPath}`,
            );
          }
          const completed = ++finished;
          if (completed > checkpoint - window && completed <= checkpoint)
            early.push(service.tree.memoryBytes());
          if (completed > total - window) late.push(service.tree.memoryBytes());
        }
      }),
    );
    const before = median(early);
    const after = median(late);
    const growth = (after - before) / before;
    return [
      {
        scenario: 'soak',
        metric: `MB (PSS), renders ${total - window + 1}-${total} vs ${checkpoint - window + 1}-${checkpoint}`,
        value: after / 2 ** 20,
        limit: before / 2 ** 20,
        ratio: after / before,
        target: 'growth ≤ 10 %',
        pass: judged(context, growth <= 0.1),
      },
    ];
  } finally {
    await service.stop();
  }
}
