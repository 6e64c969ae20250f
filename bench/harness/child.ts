import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** A helper process of the benchmark: it prints JSON lines; the first one says it is ready. */
export interface BenchChild {
  process: ChildProcess;
  /** The next JSON line the child prints. */
  next<T>(): Promise<T>;
  send(message: unknown): void;
  stop(): Promise<void>;
}

export function startChild(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): BenchChild {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => {
    const line = await lines.next();
    if (line.done) throw new Error(`${script} ended before answering`);
    return JSON.parse(line.value) as T;
  };
  return {
    process: child,
    next,
    send: (message) => child.stdin.write(`${JSON.stringify(message)}\n`),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
