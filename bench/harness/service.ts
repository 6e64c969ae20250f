import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childPids, freePort, killGroup, untilReady } from '../../test/support/processes';
import { ProcessTree } from './process-stats';

export const BENCH_JWT_SECRET = 'bench-jwt-secret-for-local-measurements';
export const BENCH_INTERNAL_TOKEN = 'bench-internal-token-for-local-measurements';

/** The built service (dist/main.js) as production runs it, in its own process. */
export interface RunningService {
  base: string;
  /** The settings it was started with (to start another like it). */
  env: Record<string, string>;
  logPath: string;
  tree: ProcessTree;
  stop(): Promise<void>;
  /** kill -9 of the service and of its Chromium, as a lost machine would. */
  crash(): Promise<void>;
}

export async function startService(env: Record<string, string>): Promise<RunningService> {
  const port = await freePort();
  // The service's own log, kept so a failed scenario can be diagnosed afterwards.
  const logPath = join(tmpdir(), `bench-service-${port}.log`);
  const log = openSync(logPath, 'w');
  const child = spawn(process.execPath, ['dist/main.js'], {
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      JWT_SECRET: BENCH_JWT_SECRET,
      PDF_SERVICE_INTERNAL_TOKEN: BENCH_INTERNAL_TOKEN,
      ...env,
    },
  });
  const base = `http://127.0.0.1:${port}`;
  await untilReady(base, child, () => {
    const tail = readFileSync(logPath, 'utf8').trim().split('\n').slice(-3).join('\n');
    return `service exited with ${child.exitCode} during startup (log ${logPath}):\n${tail}`;
  });
  return {
    base,
    env,
    logPath,
    tree: new ProcessTree(child.pid!),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
    async crash() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const browsers = childPids(child.pid!);
      child.kill('SIGKILL');
      await once(child, 'exit');
      for (const browser of browsers) killGroup(browser);
    },
  };
}
