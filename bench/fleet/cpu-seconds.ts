import { readdirSync, readFileSync } from 'node:fs';
import { cpuTicksOfStat, ticksPerSecond } from '../pipeline/proc-stat.js';

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
