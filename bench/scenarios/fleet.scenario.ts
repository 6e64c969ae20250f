import { Redis } from 'ioredis';
import { startCallbackReceiver, type CallbackReceiver } from '../../test/support/callback-receiver';
import { startRedis } from '../../test/support/processes';
import { startChild } from '../harness/child';
import { median } from '../harness/load';
import type { Figure } from '../harness/results';
import { BENCH_INTERNAL_TOKEN, startService, type RunningService } from '../harness/service';
import { timelineSvg, type TimelineRow } from '../harness/timeline';
import { writeFileSync } from 'node:fs';
import { TOOLS, frontendEnv, judged, type BenchContext } from './context';

const REPLICAS = 3;
/**
 * One render slot per replica: three Chromiums already share this machine's two cores. With two slots each
 * the fleet only queues inside Chromium (measured: renders 6× slower, the same throughput).
 */
const SLOTS_PER_REPLICA = 1;
const POLL_MS = 200;
const CALLBACK_SECRET = 'bench-callback-secret-for-local-measurements';

interface ItemStatus {
  studentId?: string;
  state: string;
}

interface BatchStatus {
  state: string;
  total: number;
  succeeded: number;
  failed: number;
  pending: number;
  items: ItemStatus[];
}

/** One batch as the run saw it: when it was created and completed, and each item's render. */
interface Tracked {
  label: string;
  batchId: string;
  prefix: string;
  size: number;
  createdAt: number;
  completedAt: number | undefined;
  finished: Map<string, number>;
  final: BatchStatus | undefined;
}

/** What one fleet run measured. */
interface FleetRun {
  batches: Tracked[];
  startedAt: number;
  killedAt: number | undefined;
  /** Page loads per student id, from the frontend's request log. */
  loads: Map<string, number[]>;
}

/**
 * Three replicas sharing Redis (BullMQ) and s3rver on the light page. First what coordination costs: Redis
 * commands per item (every command from creating a batch of already-stored items with `force: false` to its
 * callback, background ones included) and Redis memory per finished item. Then a results day in small: one
 * batch of 120 and eight of 5 created 1 s apart, once as is and once with a replica killed (kill -9) mid-run:
 * each small batch's completion against its ideal (its items × one render ÷ the fleet's slots), the makespan,
 * page loads per key, items lost, and the timeline as an SVG in bench/results/.
 */
export async function fleetScenario(context: BenchContext): Promise<Figure[]> {
  const smoke = context.smoke;
  const redis = await startRedis();
  const s3 = startChild(`${TOOLS}/s3rver.child.js`);
  const receiver = await startCallbackReceiver();
  const client = new Redis(redis.url);
  const replicas: RunningService[] = [];
  try {
    const { port } = await s3.next<{ port: number }>();
    const env = {
      STORAGE_DRIVER: 's3',
      S3_BUCKET: 'bench',
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      REDIS_URL: redis.url,
      RENDER_CONCURRENCY: String(SLOTS_PER_REPLICA),
      BATCH_STALL_MS: '3000',
      CALLBACK_ORIGINS: receiver.origin,
      CALLBACK_SECRET,
      ...frontendEnv(context.frontend),
    };
    for (let index = 0; index < REPLICAS; index += 1) replicas.push(await startService(env));

    const cost = await coordinationCost(replicas[0], client, receiver, smoke ? 10 : 100);
    // Every replica's Chromium warm before anything is timed.
    for (const replica of replicas) await oneRender(replica, 1);
    const renderMs = await oneRender(replicas[0], smoke ? 2 : 5);
    const calm = await fleetRun(context, replicas, 'F', undefined);
    const killed = await fleetRun(context, replicas, 'K', replicas[REPLICAS - 1]);
    const name = smoke ? 'smoke-fleet' : 'fleet';
    writeFileSync(`bench/results/${name}-timeline.svg`, timelineSvg(rowsOf(calm), calm.startedAt, undefined));
    writeFileSync(
      `bench/results/${name}-timeline-kill.svg`,
      timelineSvg(rowsOf(killed), killed.startedAt, killed.killedAt),
    );
    return [
      ...costFigures(context, cost),
      ...runFigures(context, 'calm', calm, renderMs, 0),
      ...runFigures(context, 'one replica killed', killed, renderMs, SLOTS_PER_REPLICA),
    ];
  } finally {
    for (const replica of replicas) await replica.crash();
    await client.quit();
    await receiver.close();
    await s3.stop();
    await redis.stop();
  }
}

async function coordinationCost(
  replica: RunningService,
  client: Redis,
  receiver: CallbackReceiver,
  items: number,
): Promise<{ commandsPerItem: number; renderedPerItem: number; bytesPerItem: number; items: number }> {
  const studentIds = Array.from({ length: items }, (_, index) => `COST${index}`);
  const memoryBefore = await usedMemory(client);
  await client.config('RESETSTAT');
  const first = await createBatch(replica, { classId: 'FCOST', testId: 'Test_1', studentIds });
  await untilSettled(replica, first, 120_000);
  // Every command of the fleet while it rendered them (the status polling of this bench included).
  const renderedPerItem = (await commandCalls(client)) / items;
  const bytesPerItem = ((await usedMemory(client)) - memoryBefore) / items;

  await client.config('RESETSTAT');
  const before = await commandCalls(client);
  const second = await createBatch(replica, {
    classId: 'FCOST',
    testId: 'Test_1',
    studentIds,
    force: false,
    callbackUrl: `${receiver.origin}/fleet-cost`,
  });
  const deadline = Date.now() + 60_000;
  while (!receiver.deliveries.some((delivery) => delivery.body.includes(second))) {
    if (Date.now() > deadline) throw new Error('the cost batch never called back');
    await sleep(20);
  }
  // The sum is read with INFO itself, which counts one call more.
  const commands = (await commandCalls(client)) - before - 1;
  console.log(`  fleet: Redis commands of the cost batch by name: ${await topCommands(client)}`);
  return { commandsPerItem: commands / items, renderedPerItem, bytesPerItem, items };
}

/** One render on an idle fleet (median of sequential triggers), the unit of every ideal below. */
async function oneRender(replica: RunningService, count: number): Promise<number> {
  const times: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    const answer = await internal(replica, '/internal/trigger-generate-pdf', {
      method: 'POST',
      body: JSON.stringify({
        classId: 'FONE',
        testId: 'Test_1',
        reportType: 'student',
        studentId: `ONE${index}`,
      }),
    });
    if (answer.status !== 202) throw new Error(`trigger answered ${answer.status}`);
    times.push(performance.now() - started);
  }
  return median(times.slice(1));
}

async function fleetRun(
  context: BenchContext,
  replicas: RunningService[],
  tag: string,
  victim: RunningService | undefined,
): Promise<FleetRun> {
  const smoke = context.smoke;
  const bigSize = smoke ? 12 : 120;
  const smallCount = smoke ? 2 : 8;
  const smallSize = smoke ? 2 : 5;
  const gapMs = smoke ? 300 : 1000;
  const survivors = victim ? replicas.filter((replica) => replica !== victim) : replicas;
  const poller = survivors[0];
  context.frontend.resetCounters();
  const startedAt = performance.now();
  const batches: Tracked[] = [];
  const track = async (label: string, prefix: string, size: number, replica: RunningService) => {
    const createdAt = performance.now();
    const studentIds = Array.from({ length: size }, (_, index) => `${prefix}S${index}`);
    const batchId = await createBatch(replica, { classId: `FLEET${tag}`, testId: 'Test_1', studentIds });
    batches.push({
      label,
      batchId,
      prefix,
      size,
      createdAt,
      completedAt: undefined,
      finished: new Map(),
      final: undefined,
    });
  };
  await track('class of 120', `${tag}B`, bigSize, replicas[0]);
  const polling = pollAll(poller, batches, smallCount + 1, smoke ? 60_000 : 240_000);
  // Awaited below; this only keeps an early failure from counting as unhandled meanwhile.
  polling.catch(() => undefined);
  let killedAt: number | undefined;
  for (let index = 0; index < smallCount; index += 1) {
    await sleep(gapMs);
    await track(
      `class of ${smallSize} #${index + 1}`,
      `${tag}${index}`,
      smallSize,
      survivors[index % survivors.length],
    );
    if (victim && index === Math.floor(smallCount / 2) - 1) {
      await victim.crash();
      killedAt = performance.now();
    }
  }
  await polling;
  const loads = new Map<string, number[]>();
  for (const request of context.frontend.requests()) {
    const match = /^\/report\?studentId=([^&]+)&/.exec(request.path);
    if (!match) continue;
    loads.set(match[1], [...(loads.get(match[1]) ?? []), request.at]);
  }
  if (victim) {
    // The fleet runs on with the survivors; the victim comes back for the next run as a new replica.
    const index = replicas.indexOf(victim);
    replicas[index] = await startService(victim.env);
  }
  return { batches, startedAt, killedAt, loads };
}

/**
 * Polls every tracked batch from now on (finish times are when a poll first saw them: every 200 ms) until
 * `expected` batches exist and all are settled, or the time is up.
 */
function pollAll(
  replica: RunningService,
  batches: Tracked[],
  expected: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const poll = async (): Promise<void> => {
    for (;;) {
      for (const batch of batches) {
        if (batch.completedAt !== undefined) continue;
        const status = await batchStatus(replica, batch.batchId);
        const now = performance.now();
        for (const item of status.items) {
          const final = item.state !== 'pending' && item.state !== 'active';
          if (item.studentId && final && !batch.finished.has(item.studentId))
            batch.finished.set(item.studentId, now);
        }
        if (status.pending === 0) {
          batch.completedAt = now;
          batch.final = status;
        }
      }
      if (batches.length >= expected && batches.every((batch) => batch.completedAt !== undefined)) return;
      if (performance.now() > deadline) throw new Error('fleet run: batches did not settle in time');
      await sleep(POLL_MS);
    }
  };
  return poll();
}

function rowsOf(run: FleetRun): TimelineRow[] {
  return run.batches.map((batch) => {
    const renders = [...batch.finished].flatMap(([studentId, finishedAt]) => {
      const loads = run.loads.get(studentId) ?? [];
      const started = loads[loads.length - 1];
      return started === undefined ? [] : [{ start: started, end: finishedAt }];
    });
    const firstStart = Math.min(...renders.map((render) => render.start));
    return {
      label: batch.label,
      created: batch.createdAt,
      firstStarted: Number.isFinite(firstStart) ? firstStart : undefined,
      completed: batch.completedAt,
      renders,
    };
  });
}

function costFigures(
  context: BenchContext,
  cost: { commandsPerItem: number; renderedPerItem: number; bytesPerItem: number; items: number },
): Figure[] {
  return [
    {
      scenario: 'fleet',
      metric: `Redis commands per rendered item, ${cost.items} items, three replicas`,
      value: cost.renderedPerItem,
      limit: null,
      ratio: null,
      target: "report (BullMQ's job lifecycle, our item transitions, key locks, workers' polling)",
      pass: null,
    },
    {
      scenario: 'fleet',
      metric: `Redis commands per item, ${cost.items} stored items, force: false, create → callback`,
      value: cost.commandsPerItem,
      limit: 20,
      ratio: cost.commandsPerItem / 20,
      target: '≤ 20 (every command, background included: INFO commandstats)',
      pass: judged(context, cost.commandsPerItem <= 20),
    },
    {
      scenario: 'fleet',
      metric: 'Redis memory per finished item, bytes',
      value: cost.bytesPerItem,
      limit: null,
      ratio: null,
      target: 'report (kept for BATCH_RETENTION_HOURS)',
      pass: null,
    },
  ];
}

function runFigures(
  context: BenchContext,
  name: string,
  run: FleetRun,
  renderMs: number,
  allowedRepeats: number,
): Figure[] {
  const slots = REPLICAS * SLOTS_PER_REPLICA;
  const [big, ...small] = run.batches;
  const worst = Math.max(
    ...small.map((batch) => {
      const limitMs = 3 * ((batch.size * renderMs) / slots) + 2000;
      return (batch.completedAt! - batch.createdAt) / limitMs;
    }),
  );
  const smallLimitMs = 3 * ((small[0].size * renderMs) / slots) + 2000;
  const bigDone = big.completedAt! - run.startedAt;
  const makespan = Math.max(...run.batches.map((batch) => batch.completedAt!)) - run.startedAt;
  const total = run.batches.reduce((sum, batch) => sum + batch.size, 0);
  const ended = run.batches.reduce(
    (sum, batch) => sum + (batch.final?.succeeded ?? 0) + (batch.final?.failed ?? 0),
    0,
  );
  const repeated = [...run.loads.values()].filter((loads) => loads.length > 1).length;
  const smallWorstMs = Math.max(...small.map((batch) => batch.completedAt! - batch.createdAt));
  // Fairness itself: how many items of other batches started after a small batch was created and before
  // its first item did (the design says at most RENDER_CONCURRENCY per replica).
  const starts = [...run.loads].map(([studentId, loads]) => ({ studentId, at: loads[0] }));
  const overtaken = Math.max(
    ...small.map((batch) => {
      const mine = starts.filter((start) => start.studentId.startsWith(`${batch.prefix}S`));
      const first = Math.min(...mine.map((start) => start.at));
      return starts.filter(
        (start) =>
          !start.studentId.startsWith(`${batch.prefix}S`) && start.at > batch.createdAt && start.at < first,
      ).length;
    }),
  );
  return [
    {
      scenario: 'fleet',
      metric: `${name}: most item starts of other batches before a new class's first item`,
      value: overtaken,
      limit: slots,
      ratio: overtaken / slots,
      target: `≤ ${slots} (RENDER_CONCURRENCY × replicas), whatever the backlog`,
      pass: judged(context, overtaken <= slots),
    },
    {
      scenario: 'fleet',
      metric: `${name}: slowest class of ${small[0].size}, ms from created to completed`,
      value: smallWorstMs,
      limit: smallLimitMs,
      ratio: worst,
      target: `≤ 3× ideal (${((small[0].size * renderMs) / slots).toFixed(0)} ms) + 2 s while the class of ${big.size} runs`,
      pass: judged(context, worst <= 1 && small.every((batch) => batch.completedAt! < big.completedAt!)),
    },
    {
      scenario: 'fleet',
      metric: `${name}: makespan s (class of ${big.size} done at ${(bigDone / 1000).toFixed(1)} s)`,
      value: makespan / 1000,
      limit: (total * renderMs) / slots / 1000,
      ratio: makespan / ((total * renderMs) / slots),
      target: 'report (ideal: all items × one render ÷ the fleet slots)',
      pass: null,
    },
    {
      scenario: 'fleet',
      metric: `${name}: items lost`,
      value: total - ended,
      limit: 0,
      ratio: null,
      target: '0 (every item ends succeeded or failed)',
      pass: judged(context, total === ended),
    },
    {
      scenario: 'fleet',
      metric: `${name}: keys loaded more than once`,
      value: repeated,
      limit: allowedRepeats,
      ratio: null,
      target:
        allowedRepeats === 0
          ? '0 (one page load per key)'
          : `≤ ${allowedRepeats} (only what the killed replica was rendering)`,
      pass: judged(context, repeated <= allowedRepeats),
    },
  ];
}

async function createBatch(replica: RunningService, body: Record<string, unknown>): Promise<string> {
  const answer = await internal(replica, '/internal/batches', { method: 'POST', body: JSON.stringify(body) });
  if (answer.status !== 202) throw new Error(`batch answered ${answer.status}: ${await answer.text()}`);
  return ((await answer.json()) as { batchId: string }).batchId;
}

async function batchStatus(replica: RunningService, batchId: string): Promise<BatchStatus> {
  const answer = await internal(replica, `/internal/batches/${batchId}`);
  if (answer.status !== 200) throw new Error(`batch status answered ${answer.status}`);
  return (await answer.json()) as BatchStatus;
}

async function untilSettled(replica: RunningService, batchId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await batchStatus(replica, batchId)).pending > 0) {
    if (Date.now() > deadline) throw new Error('batch did not settle in time');
    await sleep(POLL_MS);
  }
}

function internal(replica: RunningService, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${replica.base}${path}`, {
    ...init,
    headers: { 'X-Service-Auth': `Bearer ${BENCH_INTERNAL_TOKEN}`, 'Content-Type': 'application/json' },
  });
}

async function commandCalls(client: Redis): Promise<number> {
  const stats = await client.info('commandstats');
  return [...stats.matchAll(/calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

/** The most called commands, for the record beside the figure ("evalsha 312, hget 200, …"). */
async function topCommands(client: Redis): Promise<string> {
  const stats = await client.info('commandstats');
  return [...stats.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)]
    .map(([, name, calls]) => [name, Number(calls)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, calls]) => `${name} ${calls}`)
    .join(', ');
}

async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
