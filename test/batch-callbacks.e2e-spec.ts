import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReportFrontend, type ReportFrontend } from './fixtures/report-frontend';
import { startCallbackReceiver, type CallbackReceiver } from './support/callback-receiver';
import {
  childPids,
  liveInGroupsAfterSettling,
  startServiceProcess,
  type ServiceProcess,
} from './support/processes';
import { TEST_JWT_SECRET } from './support/tokens';

const INTERNAL_TOKEN = 'internal-token-for-the-callback-stop-suite-01';

describe('batch callbacks across a stop (e2e: service process, real Chromium, fixture frontend)', () => {
  let frontend: ReportFrontend;
  let receiver: CallbackReceiver;
  let service: ServiceProcess;
  let dir: string;

  beforeAll(async () => {
    frontend = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET });
    receiver = await startCallbackReceiver();
    dir = await mkdtemp(join(tmpdir(), 'callback-stop-'));
    service = await startServiceProcess({
      STORAGE_DIR: dir,
      FRONTEND_ORIGINS: frontend.origin,
      DEFAULT_FRONTEND_ORIGIN: frontend.origin,
      JWT_SECRET: TEST_JWT_SECRET,
      PDF_SERVICE_INTERNAL_TOKEN: INTERNAL_TOKEN,
      CALLBACK_ORIGINS: receiver.origin,
      CALLBACK_SECRET: 'callback-secret-for-the-stop-suite',
      SHUTDOWN_GRACE_MS: '10000',
    });
  });

  afterAll(async () => {
    await service.crash();
    await receiver.close();
    await frontend.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should deliver the callback to a slow receiver when the replica is stopped right after the batch completes', async () => {
    receiver.delayMs = 1500;
    const created = await fetch(`${service.base}/internal/batches`, {
      method: 'POST',
      headers: { 'X-Service-Auth': `Bearer ${INTERNAL_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        classId: 'CB1',
        testId: '5',
        studentIds: ['S1'],
        callbackUrl: `${receiver.origin}/pdf-ready`,
      }),
    });
    expect(created.status).toBe(202);
    const { batchId } = (await created.json()) as { batchId: string };
    const deadline = Date.now() + 30000;
    // Stop as soon as the receiver has the POST: its answer is still 1.5 s away.
    while (receiver.deliveries.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(receiver.deliveries).toHaveLength(1);
    expect(JSON.parse(receiver.deliveries[0].body)).toMatchObject({
      batchId,
      state: 'completed',
      succeeded: 1,
    });
    const browsers = childPids(service.pid);
    expect(await service.stop()).toBe(0);
    const exitedAt = Date.now();
    // The attempt in flight was awaited: the receiver answered before the process ended.
    expect(receiver.answeredAt).toHaveLength(1);
    expect(receiver.answeredAt[0]).toBeLessThanOrEqual(exitedAt);
    expect(service.count('batch callback still in flight at shutdown')).toBe(0);
    expect(await liveInGroupsAfterSettling(browsers)).toEqual([]);
  });
});
