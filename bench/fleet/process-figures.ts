/** What the fleet benchmark reads of its processes in /proc: CPU time, memory, and which process is the broker. */
import { readdirSync, readFileSync } from 'node:fs';
import { cpuTicksOfStat, rssBytesOfStatus, ticksPerSecond } from '../pipeline/proc-stat.js';

/** CPU time the processes have used so far, in seconds (a process already gone counts 0). */
export function cpuSecondsOf(pids: readonly (number | undefined)[]): number {
  let ticks = 0;
  for (const pid of pids) {
    if (pid === undefined) continue;
    try {
      ticks += cpuTicksOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      // gone
    }
  }
  return ticks / ticksPerSecond();
}

/** A process's resident set size in bytes (0 when it is gone). */
export function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    return rssBytesOfStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return 0;
  }
}

/** The pid of the process whose command line names `text` (the broker's config file), if there is one. */
export function pidWithArgument(text: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(text)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
