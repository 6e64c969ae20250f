import { startChild, type BenchChild } from './child';

export interface LoadFigures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** The load generator's own CPU during the run, as a share of one core. */
  generatorCpu: number;
  /** Body bytes received per answer (counted from the socket, never kept). */
  bytesPerRequest: number;
}

/** Above this share of a core, the generator rather than the server may be what limits a figure. */
export const GENERATOR_CPU_LIMIT = 0.5;

/** A load generator in its own process (`load-generator.child.ts`), reused for every run of a scenario. */
export class LoadGenerator {
  private constructor(private readonly child: BenchChild) {}

  static async start(tools: string): Promise<LoadGenerator> {
    const child = startChild(`${tools}/load-generator.child.js`);
    await child.next<{ ready: true }>();
    return new LoadGenerator(child);
  }

  /** One run against one URL; any non-200 answer or error fails the benchmark. */
  async load(
    url: string,
    connections: number,
    seconds: number,
    headers: Record<string, string> = {},
  ): Promise<LoadFigures> {
    this.child.send({ url, connections, seconds, headers });
    const figures = await this.child.next<{
      requestsPerSecond: number;
      p50: number;
      p99: number;
      bytesPerRequest: number;
      cpuShare: number;
      failures: string[];
    }>();
    if (figures.failures.length > 0) throw new Error(`${url}: ${figures.failures.join('; ')} under load`);
    return {
      requestsPerSecond: figures.requestsPerSecond,
      p50: figures.p50,
      p99: figures.p99,
      generatorCpu: figures.cpuShare,
      bytesPerRequest: figures.bytesPerRequest,
    };
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
