import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peakSampler } from '../harness/process-stats';
import type { Figure } from '../harness/results';
import { startService } from '../harness/service';
import { adminToken, frontendEnv, judged, type BenchContext } from './context';

const PEAK_LIMIT_MB = 1536;

/** 50 concurrent MISS requests: peak memory of service + Chromium; every answer 200 or 503 with Retry-After. */
export async function burstScenario(context: BenchContext): Promise<Figure[]> {
  const requests = context.smoke ? 6 : 50;
  const dir = await mkdtemp(join(tmpdir(), 'bench-burst-'));
  const service = await startService({
    STORAGE_DRIVER: 'fs',
    STORAGE_DIR: dir,
    ...frontendEnv(context.frontend),
  });
  try {
    const memory = peakSampler(() => service.tree.memoryBytes(), 200);
    const answers = await Promise.all(
      Array.from({ length: requests }, async (_, index) => {
        const answer = await fetch(
          `${service.base}/generate-pdf?studentId=B${index}&testId=Test_1&classId=BURST`,
          {
            headers: { Authorization: `Bearer ${adminToken()}` },
          },
        );
        await answer.arrayBuffer();
        return { status: answer.status, retryAfter: answer.headers.get('retry-after') };
      }),
    );
    const peakMb = memory.stop() / 2 ** 20;
    const unexpected = answers.filter(
      (answer) => answer.status !== 200 && !(answer.status === 503 && answer.retryAfter !== null),
    ).length;
    const ok = answers.filter((answer) => answer.status === 200).length;
    return [
      {
        scenario: 'burst',
        metric: `peak MB (PSS), ${requests} concurrent misses`,
        value: peakMb,
        limit: PEAK_LIMIT_MB,
        ratio: peakMb / PEAK_LIMIT_MB,
        target: '≤ 1536 MB',
        pass: judged(context, peakMb <= PEAK_LIMIT_MB),
      },
      {
        scenario: 'burst',
        metric: `unexpected answers (of ${requests}; ${ok} × 200)`,
        value: unexpected,
        limit: 0,
        ratio: null,
        target: '0',
        pass: judged(context, unexpected === 0),
      },
    ];
  } finally {
    await service.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
