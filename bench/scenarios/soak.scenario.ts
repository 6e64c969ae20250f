import type { Figure } from '../harness/results';
import { startService } from '../harness/service';
import { adminToken, frontendEnv, judged, type BenchContext } from './context';

/** Renders in flight at once: keeps both cores busy so the run fits the time budget. */
const STREAMS = 2;

/** Many renders in a row (BYPASS, so storage does not grow): memory at render 100 and at the end. */
export async function soakScenario(context: BenchContext, renders: number): Promise<Figure[]> {
  const total = context.smoke ? 12 : renders;
  const checkpoint = context.smoke ? 6 : 100;
  const service = await startService({ ...frontendEnv(context) });
  try {
    let done = 0;
    let atCheckpoint = 0;
    await Promise.all(
      Array.from({ length: STREAMS }, async () => {
        while (done < total) {
          const index = ++done;
          const answer = await fetch(`${service.base}/generate-pdf?studentId=K${index % 50}&testId=Test_1`, {
            headers: { Authorization: `Bearer ${adminToken()}` },
          });
          await answer.arrayBuffer();
          if (answer.status !== 200) throw new Error(`soak render answered ${answer.status}`);
          if (index === checkpoint) atCheckpoint = service.tree.memoryBytes();
        }
      }),
    );
    const atEnd = service.tree.memoryBytes();
    const growth = (atEnd - atCheckpoint) / atCheckpoint;
    return [
      {
        scenario: 'soak',
        metric: `MB (PSS) at render ${total} vs ${checkpoint}`,
        value: atEnd / 2 ** 20,
        limit: atCheckpoint / 2 ** 20,
        ratio: atEnd / atCheckpoint,
        target: 'growth ≤ 10 %',
        pass: judged(context, growth <= 0.1),
      },
    ];
  } finally {
    await service.stop();
  }
}
