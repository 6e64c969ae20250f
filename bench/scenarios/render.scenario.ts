import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signToken } from '../../test/support/tokens';
import { startChild } from '../harness/child';
import { median } from '../harness/load';
import { ProcessTree } from '../harness/process-stats';
import type { Figure } from '../harness/results';
import { BENCH_JWT_SECRET, startService } from '../harness/service';
import { adminToken, frontendEnv, judged, TOOLS, type BenchContext } from './context';

export interface RenderFigures {
  medianMs: number;
  cpuSecondsPerRender: number;
}

/**
 * One MISS at a time through the service, against a minimal script with one warm Chromium rendering the
 * same page in a new page of its default context (no isolation). Renders alternate between the two so
 * drift on a shared machine hits both alike.
 */
export async function renderScenario(context: BenchContext): Promise<Figure[]> {
  const renders = context.smoke ? 2 : 20;
  const dir = await mkdtemp(join(tmpdir(), 'bench-render-'));
  const service = await startService({ STORAGE_DRIVER: 'fs', STORAGE_DIR: dir, ...frontendEnv(context) });
  const baseline = startChild(`${TOOLS}/render-baseline.child.js`);
  try {
    await baseline.next();
    const baselineTree = new ProcessTree(baseline.process.pid!);
    const token = signToken({ role: 'admin', user_id: 'bench' }, BENCH_JWT_SECRET);
    const ours: number[] = [];
    const limit: number[] = [];
    let oursCpu = 0;
    let limitCpu = 0;
    for (let index = -2; index < renders; index += 1) {
      const studentId = `R${index + 2}`;
      let cpu = service.tree.cpuSeconds();
      const started = performance.now();
      const answer = await fetch(
        `${service.base}/generate-pdf?studentId=${studentId}&testId=Test_1&classId=RENDER`,
        {
          headers: { Authorization: `Bearer ${adminToken()}` },
        },
      );
      await answer.arrayBuffer();
      if (answer.status !== 200 || answer.headers.get('x-cache') !== 'MISS') {
        throw new Error(`render ${studentId}: ${answer.status} ${answer.headers.get('x-cache')}`);
      }
      const oursMs = performance.now() - started;
      // Chromium finishes the slot's clean-up after the answer: let it, so its CPU is counted here.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const oursCpuDelta = service.tree.cpuSeconds() - cpu;

      cpu = baselineTree.cpuSeconds();
      baseline.send({ url: `${context.frontend.origin}/report?studentId=${studentId}&testId=Test_1`, token });
      const { ms } = await baseline.next<{ ms: number }>();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const limitCpuDelta = baselineTree.cpuSeconds() - cpu;
      if (index < 0) continue; // warm-up
      ours.push(oursMs);
      limit.push(ms);
      oursCpu += oursCpuDelta;
      limitCpu += limitCpuDelta;
    }
    const latency = { value: median(ours), limit: median(limit) };
    const cpu = { value: oursCpu / renders, limit: limitCpu / renders };
    return [
      {
        scenario: 'render',
        metric: 'median latency ms',
        ...latency,
        ratio: latency.value / latency.limit,
        target: '≤ 1.3×',
        pass: judged(context, latency.value / latency.limit <= 1.3),
      },
      {
        scenario: 'render',
        metric: 'CPU s per render',
        ...cpu,
        ratio: cpu.value / cpu.limit,
        target: '≤ 1.5×',
        pass: judged(context, cpu.value / cpu.limit <= 1.5),
      },
    ];
  } finally {
    await baseline.stop();
    await service.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
