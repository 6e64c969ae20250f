import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port nothing listens on right now (opened on 127.0.0.1 and closed again). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Waits until the service at `base` answers `/health/ready` with 200 (60 s at most); if its process exits
 * first, fails at once with `exitReport()`.
 */
export async function untilReady(base: string, child: ChildProcess, exitReport: () => string): Promise<void> {
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(exitReport());
    const ready = await fetch(`${base}/health/ready`).then(
      (answer) => answer.ok,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new Error('service not ready within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Polls `probe` every 200 ms until `done` holds for what it answers, or `timeoutMs` passed; answers the last
 * value (undefined when the probe never answered: a probe that throws counts as no answer yet).
 */
export async function until<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if ((value !== undefined && done(value)) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Pids of the direct children of `pid` (Chromium is launched in a process group of its own). */
export function childPids(pid: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  return table
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([, parent]) => parent === pid)
    .map(([child]) => child);
}

/** Pids of every live (not zombie) process in the given process groups: Chromium and its helpers. */
export function liveInGroups(groups: number[]): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,pgid=,stat='], { encoding: 'utf8' });
  return table
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, pgid, stat]) => groups.includes(Number(pgid)) && !stat.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

/** SIGKILL is asynchronous: gives the kernel a moment to end the groups, then answers who is left. */
export async function liveInGroupsAfterSettling(groups: number[], timeoutMs = 3000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (liveInGroups(groups).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return liveInGroups(groups);
}

/** Kills a process group if it is still there. */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** A real redis-server on a free 127.0.0.1 port, without persistence; `stop()` it in afterAll. */
export interface TestRedis {
  url: string;
  stop(): Promise<void>;
  /** Saves its data and shuts down, as a restarted Redis would (clients see connections refused). */
  shutdown(): Promise<void>;
  /** Starts again on the same port with the data `shutdown` saved. */
  restart(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'test-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  let child: ChildProcess = await spawnRedis(port, args);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
    async shutdown() {
      const exited = once(child, 'exit');
      spawn('redis-cli', ['-p', String(port), 'shutdown', 'save'], { stdio: 'ignore' });
      await exited;
    },
    async restart() {
      child = await spawnRedis(port, args);
    },
  };
}

async function spawnRedis(port: number, args: string[]): Promise<ChildProcess> {
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
  const deadline = Date.now() + 10000;
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const probe = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let output = '';
      probe.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      probe.on('close', () => resolve(output.trim() === 'PONG'));
    });
    if (answered) return child;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('redis-server did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The built service (`dist/main.js`) as its own process, with its log lines kept. */
export interface ServiceProcess {
  base: string;
  pid: number;
  logs: string[];
  /** Lines of the service's log that carry `message`. */
  count(message: string): number;
  /** SIGTERM and wait for the exit; answers the exit code. */
  stop(): Promise<number | null>;
  /** kill -9 of the service and of its Chromium, as a crashed machine would. */
  crash(): Promise<void>;
}

export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    logs.push(...lines);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const base = `http://127.0.0.1:${port}`;
  await untilReady(base, child, () => `service exited during startup:\n${logs.slice(-5).join('\n')}`);
  const pid = child.pid!;
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    base,
    pid,
    logs,
    count: (message) => logs.filter((line) => line.includes(message)).length,
    async stop() {
      if (exited()) return child.exitCode;
      child.kill('SIGTERM');
      await once(child, 'exit');
      return child.exitCode;
    },
    async crash() {
      if (exited()) return;
      const browsers = childPids(pid);
      child.kill('SIGKILL');
      await once(child, 'exit');
      for (const browser of browsers) killGroup(browser);
    },
  };
}
