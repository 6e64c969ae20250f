import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../harness/load';
import type { Figure } from '../harness/results';
import { BENCH_INTERNAL_TOKEN, startService, type RunningService } from '../harness/service';
import { adminToken, frontendEnv, judged, type BenchContext } from './context';

const CONCURRENCY = 2;

/**
 * A batch of 100 students on one replica (memory driver): wall time against the ideal (items × one render
 * ÷ render slots), and what a download MISS costs while the batch runs against the same download idle.
 */
export async function batchScenario(context: BenchContext): Promise<Figure[]> {
  const items = context.smoke ? 6 : 100;
  const probes = context.smoke ? 2 : 6;
  const dir = await mkdtemp(join(tmpdir(), 'bench-batch-'));
  const service = await startService({
    STORAGE_DRIVER: 'fs',
    STORAGE_DIR: dir,
    RENDER_CONCURRENCY: String(CONCURRENCY),
    ...frontendEnv(context.frontend),
  });
  let singleMs: number;
  let idleMissMs: number;
  let busyMissMs: number;
  let batchMs: number;
  try {
    const singles: number[] = [];
    for (let index = 0; index < (context.smoke ? 2 : 6); index += 1) {
      const started = performance.now();
      await trigger(service, `WARM${index}`);
      singles.push(performance.now() - started);
    }
    singleMs = median(singles.slice(1));
    idleMissMs = median(await downloads(service, 'IDLE', probes));

    const started = performance.now();
    const batchId = await createBatch(service, items);
    // Downloads while the batch is running: they go before its items.
    await new Promise((resolve) => setTimeout(resolve, 300));
    busyMissMs = median(await downloads(service, 'BUSY', probes));
    await untilCompleted(service, batchId, items);
    batchMs = performance.now() - started;
  } finally {
    await service.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const idealMs = (items * singleMs) / CONCURRENCY;
  const missLimit = 2 * idleMissMs + singleMs;
  return [
    {
      scenario: 'batch',
      metric: `wall s, ${items} items`,
      value: batchMs / 1000,
      limit: idealMs / 1000,
      ratio: batchMs / idealMs,
      target: '≤ 1.3× ideal (items × one render ÷ slots)',
      pass: judged(context, batchMs / idealMs <= 1.3),
    },
    {
      scenario: 'batch',
      metric: 'download MISS ms while the batch runs',
      value: busyMissMs,
      limit: missLimit,
      ratio: busyMissMs / missLimit,
      target: `≤ 2× idle (${idleMissMs.toFixed(0)} ms) + one render`,
      pass: judged(context, busyMissMs <= missLimit),
    },
  ];
}

async function trigger(service: RunningService, studentId: string): Promise<void> {
  const answer = await fetch(`${service.base}/internal/trigger-generate-pdf`, {
    method: 'POST',
    headers: { 'X-Service-Auth': `Bearer ${BENCH_INTERNAL_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ classId: 'BWARM', testId: 'Test_1', reportType: 'student', studentId }),
  });
  if (answer.status !== 202) throw new Error(`trigger answered ${answer.status}: ${await answer.text()}`);
}

/** Sequential MISS downloads of fresh students; their latencies in ms. */
async function downloads(service: RunningService, prefix: string, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    const answer = await fetch(
      `${service.base}/generate-pdf?studentId=${prefix}${index}&testId=Test_1&classId=BMISS`,
      {
        headers: { Authorization: `Bearer ${adminToken()}` },
      },
    );
    await answer.arrayBuffer();
    if (answer.status !== 200 || answer.headers.get('x-cache') !== 'MISS') {
      throw new Error(`download answered ${answer.status} ${answer.headers.get('x-cache')}`);
    }
    latencies.push(performance.now() - started);
  }
  return latencies;
}

async function createBatch(service: RunningService, items: number): Promise<string> {
  const answer = await fetch(`${service.base}/internal/batches`, {
    method: 'POST',
    headers: { 'X-Service-Auth': `Bearer ${BENCH_INTERNAL_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      classId: 'BATCH',
      testId: 'Test_1',
      studentIds: Array.from({ length: items }, (_, index) => `B${index}`),
    }),
  });
  if (answer.status !== 202) throw new Error(`batch answered ${answer.status}: ${await answer.text()}`);
  return ((await answer.json()) as { batchId: string }).batchId;
}

async function untilCompleted(service: RunningService, batchId: string, items: number): Promise<void> {
  for (;;) {
    const answer = await fetch(`${service.base}/internal/batches/${batchId}`, {
      headers: { 'X-Service-Auth': `Bearer ${BENCH_INTERNAL_TOKEN}` },
    });
    const status = (await answer.json()) as { state: string; succeeded: number };
    if (status.state === 'completed') {
      if (status.succeeded !== items) throw new Error(`batch completed with ${status.succeeded}/${items}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
