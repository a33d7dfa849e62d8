/**
 * CPU time and memory of a process, from Linux's /proc/<pid>/stat and /proc/<pid>/status. The parsers are pure
 * (text in, numbers out) so they can be tested without a process; `readProcessSample` does the reading.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU time a process has used so far, in clock ticks (user + system, not its children's). */
export function cpuTicksOfStat(statText: string): number {
  // The command name (field 2) is in parentheses and may itself hold spaces or ')': fields resume after the last ')'.
  const close = statText.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${statText.slice(0, 80)}`);
  const fields = statText.slice(close + 2).trim().split(/\s+/);
  // After the name, fields[0] is field 3 (state); utime is field 14 and stime field 15.
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`no utime/stime in: ${statText.slice(0, 80)}`);
  return utime + stime;
}

/** Resident set size in bytes, from /proc/<pid>/status's VmRSS line (kB). */
export function rssBytesOfStatus(statusText: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(statusText);
  if (!match) throw new Error('no VmRSS line in /proc/<pid>/status');
  return Number(match[1]) * 1024;
}

/** CPU-seconds used per million readings between two samples of the same process. */
export function cpuSecondsPerMillion(ticksBefore: number, ticksAfter: number, ticksPerSecond: number, readings: number): number {
  if (readings <= 0) return Number.NaN;
  return ((ticksAfter - ticksBefore) / ticksPerSecond / readings) * 1_000_000;
}

let clockTicks: number | undefined;

/** The kernel's clock ticks per second (`getconf CLK_TCK`, 100 on every Linux we run on). */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface ProcessSample {
  cpuTicks: number;
  rssBytes: number;
}

/** Reads both files of a running process; undefined once it has gone. */
export function readProcessSample(pid: number): ProcessSample | undefined {
  try {
    return {
      cpuTicks: cpuTicksOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8')),
      rssBytes: rssBytesOfStatus(readFileSync(`/proc/${pid}/status`, 'utf8')),
    };
  } catch {
    return undefined;
  }
}
