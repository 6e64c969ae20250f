/**
 * The hit scenario's load generator, in a process of its own so its CPU is its own: keep-alive connections
 * that each send the next GET as soon as the last answer ended. Bodies are counted, never kept or decoded
 * (autocannon turns every body into a string: about 3 ms of CPU per 200 kB answer, enough to make the
 * generator the limit). Reads one JSON run per stdin line, answers one JSON line of figures.
 * Usage: node load-generator.child.js; then {"url","connections","seconds","headers"} per line.
 */
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';

interface Run {
  url: string;
  connections: number;
  seconds: number;
  headers: Record<string, string>;
}

interface Outcome {
  requests: number;
  bytes: number;
  /** Milliseconds, sorted. */
  latencies: number[];
  failures: string[];
}

async function run({ url, connections, seconds, headers }: Run) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const outcome: Outcome = { requests: 0, bytes: 0, latencies: [], failures: [] };
  const startedCpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const once = () =>
    new Promise<void>((resolve) => {
      const sent = performance.now();
      const asked = request(url, { agent, headers }, (answer) => {
        answer.on('data', (chunk: Buffer) => {
          outcome.bytes += chunk.length;
        });
        answer.on('end', () => {
          outcome.requests += 1;
          outcome.latencies.push(performance.now() - sent);
          if (answer.statusCode !== 200) outcome.failures.push(`status ${answer.statusCode}`);
          resolve();
        });
      });
      asked.on('error', (error) => {
        outcome.failures.push(error.message);
        resolve();
      });
      asked.end();
    });
  const connection = async () => {
    while (performance.now() < deadline && outcome.failures.length === 0) await once();
  };
  await Promise.all(Array.from({ length: connections }, connection));
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(startedCpu);
  agent.destroy();
  outcome.latencies.sort((a, b) => a - b);
  const at = (share: number) =>
    outcome.latencies[Math.min(outcome.latencies.length - 1, Math.floor(share * outcome.latencies.length))] ??
    0;
  return {
    requestsPerSecond: outcome.requests / wall,
    p50: at(0.5),
    p99: at(0.99),
    bytesPerRequest: outcome.requests ? outcome.bytes / outcome.requests : 0,
    /** The generator's own CPU over the run, as a share of one core. */
    cpuShare: (cpu.user + cpu.system) / 1e6 / wall,
    failures: outcome.failures.slice(0, 3),
  };
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  void run(JSON.parse(line) as Run).then((figures) => console.log(JSON.stringify(figures)));
});
console.log(JSON.stringify({ ready: true }));
