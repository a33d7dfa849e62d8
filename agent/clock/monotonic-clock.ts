import { readFileSync } from 'node:fs';

/** Milliseconds of CLOCK_MONOTONIC: since boot, never set, unaffected by NTP steps. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
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
