import { readdirSync, readFileSync } from 'node:fs';

/**
 * Memory (bytes) of every live process in the given process groups, from /proc: proportional set size
 * (shared pages split among the processes that share them), so Chromium's many processes are not
 * counted several times over.
 */
export function groupMemory(groups: readonly number[]): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state ppid pgrp …
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (!groups.includes(pgid)) continue;
      const pss = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${entry}/smaps_rollup`, 'utf8'));
      if (pss) total += Number(pss[1]) * 1024;
    } catch (error) {
      // A process that exits between readdir and read is simply gone.
      if (
        (error as NodeJS.ErrnoException).code !== 'ENOENT' &&
        (error as NodeJS.ErrnoException).code !== 'ESRCH'
      ) {
        throw error;
      }
    }
  }
  return total;
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
