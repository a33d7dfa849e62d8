import { readFileSync } from 'node:fs';

/**
 * Milliseconds of a monotonic clock (since this process started): never set, unaffected by NTP steps. Cheap enough
 * to read before every reading.
 */
export function monotonicMs(): number {
  return performance.now();
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
