import { readFileSync } from 'node:fs';
import { systemClock } from '../../drivers/clock.js';

/**
 * Milliseconds of the system's monotonic clock (CLOCK_MONOTONIC on Linux: since boot, never set, unaffected by NTP
 * steps). The same clock for every process of one boot, so offsets (wall minus monotonic) measured by an earlier run
 * of the agent compare with those of this run; `performance.now()` counts from the process's start and would not.
 * Cheap enough to read before every reading.
 */
export function monotonicMs(): number {
  // The injected Clock's system implementation reads it; one definition.
  return systemClock.monotonic();
}

/**
 * This boot's id: monotonic times only compare within one boot, so a stored monotonic time is only usable for
 * re-dating when its boot id is the current one. Undefined off Linux.
 */
export function currentBootId(path = '/proc/sys/kernel/random/boot_id'): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
