import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where the agent learns whether the system clock is synchronised. */
export type ClockSyncMethod = 'auto' | 'timesyncd' | 'timedatectl' | 'always' | 'never';

export interface ClockSyncOptions {
  readonly method: ClockSyncMethod;
  /** systemd-timesyncd touches this file once it has synchronised the clock (systemd 239 and later). */
  readonly timesyncdFlag?: string;
  /** The timedatectl binary; its NTPSynchronized property reflects the kernel's sync flag, set by any NTP daemon. */
  readonly timedatectl?: string;
}

/** What a check found: whether the clock is synchronised, and how that was learnt (for logs and status). */
export interface ClockSyncState {
  readonly synchronized: boolean;
  readonly method: Exclude<ClockSyncMethod, 'auto'>;
  /** Set when `auto` found no way to tell and trusts the clock: said once in the log. */
  readonly unknown?: string;
}

const TIMESYNCD_FLAG = '/run/systemd/timesync/synchronized';
const TIMEDATECTL = 'timedatectl';
const COMMAND_TIMEOUT_MS = 2_000;

/**
 * Answers "can the wall clock be trusted now?". `auto` uses systemd-timesyncd's flag file where timesyncd runs (Raspberry
 * Pi OS, Debian), else timedatectl (chrony, ntpd through timedated), else trusts the clock and says why; `always`
 * suits a device with a battery-backed clock, `never` one that must never forward unsynchronised results.
 */
export async function checkClockSync(options: ClockSyncOptions): Promise<ClockSyncState> {
  const flag = options.timesyncdFlag ?? TIMESYNCD_FLAG;
  const timedatectl = options.timedatectl ?? TIMEDATECTL;
  switch (options.method) {
    case 'always':
      return { synchronized: true, method: 'always' };
    case 'never':
      return { synchronized: false, method: 'never' };
    case 'timesyncd':
      return { synchronized: existsSync(flag), method: 'timesyncd' };
    case 'timedatectl': {
      const answer = await ntpSynchronized(timedatectl);
      return { synchronized: answer === true, method: 'timedatectl' };
    }
    case 'auto': {
      // The flag's directory exists while timesyncd runs, synchronised or not.
      if (existsSync(flag.slice(0, flag.lastIndexOf('/')))) return { synchronized: existsSync(flag), method: 'timesyncd' };
      const answer = await ntpSynchronized(timedatectl);
      if (answer !== undefined) return { synchronized: answer, method: 'timedatectl' };
      return {
        synchronized: true,
        method: 'always',
        unknown: 'neither systemd-timesyncd nor timedatectl answered; the clock is trusted as it is (set time.sync to say otherwise)',
      };
    }
  }
}

/** `timedatectl show -p NTPSynchronized --value`: yes / no, or undefined when it cannot answer (no systemd, no bus). */
function ntpSynchronized(binary: string): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    execFile(binary, ['show', '-p', 'NTPSynchronized', '--value'], { timeout: COMMAND_TIMEOUT_MS }, (error, stdout) => {
      const answer = stdout.trim();
      if (error || (answer !== 'yes' && answer !== 'no')) resolve(undefined);
      else resolve(answer === 'yes');
    });
  });
}
