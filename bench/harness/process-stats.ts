import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (100 on Linux everywhere we run). */
const CLOCK_TICKS = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  comm: string;
  /** utime + stime + cutime + cstime, in ticks: children already reaped are counted by their parent. */
  cpuTicks: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    // A process that exits between listing and reading is simply gone.
    if (
      (error as NodeJS.ErrnoException).code === 'ENOENT' ||
      (error as NodeJS.ErrnoException).code === 'ESRCH'
    ) {
      return undefined;
    }
    throw error;
  }
  const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is state; the numbering below is the proc(5) field number minus 3.
  if (fields[0] === 'Z') return undefined;
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
  return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), comm, cpuTicks: ticks };
}

function allProcesses(): ProcStat[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readStat(Number(entry)))
    .filter((stat): stat is ProcStat => stat !== undefined);
}

function pss(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ENOENT' ||
      (error as NodeJS.ErrnoException).code === 'ESRCH'
    ) {
      return 0;
    }
    throw error;
  }
}

/**
 * A process and its Chromium: the process itself plus every process group led by one of its children
 * (Chromium runs as its own group leader with all its helpers inside).
 */
export class ProcessTree {
  constructor(readonly rootPid: number) {}

  private members(): ProcStat[] {
    const processes = allProcesses();
    const groups = new Set(
      processes.filter((p) => p.ppid === this.rootPid && p.pid === p.pgid).map((p) => p.pgid),
    );
    return processes.filter((p) => p.pid === this.rootPid || groups.has(p.pgid));
  }

  /** CPU seconds used so far by the tree (live processes plus children they have reaped). */
  cpuSeconds(): number {
    return this.members().reduce((sum, p) => sum + p.cpuTicks, 0) / CLOCK_TICKS;
  }

  /** Memory in bytes: proportional set size, so pages Chromium's processes share are counted once. */
  memoryBytes(): number {
    return this.members().reduce((sum, p) => sum + pss(p.pid), 0);
  }
}

/** Samples `measure` every `everyMs` until stopped; returns the peak. */
export function peakSampler(measure: () => number, everyMs = 100): { stop(): number } {
  let peak = measure();
  const timer = setInterval(() => (peak = Math.max(peak, measure())), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, measure());
    },
  };
}
