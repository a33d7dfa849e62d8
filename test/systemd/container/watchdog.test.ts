import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil, type SystemdContainer } from '../../helpers/systemd-container.js';
import { BOOT_TIMEOUT_MS, bootWithTributaryInstalled, startService } from './installed-tributary.js';

/** A shorter watchdog than the shipped 30 s: a ping every 4/3 s, so two minutes hold ~90 pings, each counted. */
const WATCHDOG_SEC = 4;
const BUSY_MS = 120_000;

/**
 * The watchdog under a real systemd. The agent sends READY=1 and WATCHDOG=1 through a short-lived systemd-notify
 * child; as an unprivileged service the datagram carries the child's PID, which systemd can attribute to the unit
 * only while the child lives. These tests prove the pings are accepted (every one attributed, none refused, no
 * restart) while the machine is busy, and that the watchdog is really armed (a stopped agent is caught).
 */
describe('the watchdog of tributary.service', () => {
  let container: SystemdContainer;
  beforeAll(async () => {
    ({ container } = await bootWithTributaryInstalled('watchdog'));
    await container.exec(['mkdir', '-p', '/etc/systemd/system/tributary.service.d']);
    await container.writeFile('/etc/systemd/system/tributary.service.d/watchdog.conf', `[Service]\nWatchdogSec=${WATCHDOG_SEC}s\n`);
    await container.exec(['systemctl', 'daemon-reload']);
    // systemd logs every notify message it takes at debug level: that is how pings are counted below.
    await container.exec(['systemd-analyze', 'log-level', 'debug']);
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => {
    await container?.stop();
  }, 60_000);

  /** systemd's own lines in the journal of this boot (PID 1 logs notify messages without the unit's name as unit). */
  const managerLog = async () => (await container.exec(['journalctl', '-b', '_PID=1', '-o', 'cat', '--no-pager'], { timeoutMs: 60_000 })).stdout;

  it(`accepts every watchdog ping for 2 minutes beside a CPU hog on every core, with no watchdog restart`, { timeout: BUSY_MS + 120_000 }, async () => {
    await startService(container);
    const pid = Number(await container.show('tributary', 'MainPID'));
    const hogs = os.cpus().length;
    for (let i = 0; i < hogs; i++) await container.exec(['systemd-run', `--unit=cpu-hog-${i}`, '--', 'sh', '-c', 'while :; do :; done']);
    const busyFrom = Date.now();
    await sleep(BUSY_MS);
    for (let i = 0; i < hogs; i++) await container.exec(['systemctl', 'stop', `cpu-hog-${i}`]);
    const busyFor = Date.now() - busyFrom;

    const log = await managerLog();
    const count = (pattern: RegExp) => log.split('\n').filter((line) => pattern.test(line)).length;
    const accepted = count(/^tributary\.service: Got notification message from PID \d+ \(WATCHDOG=1[,)]/);
    const unattributed = count(/Cannot find unit for notify message of PID/);
    const refused = count(/reception only permitted for main PID|reception is disabled/);
    const timeouts = count(/tributary\.service: Watchdog timeout/);
    process.stderr.write(
      `watchdog under load: ${accepted} WATCHDOG=1 accepted in ${busyFor} ms with ${hogs} CPU hogs (WatchdogSec=${WATCHDOG_SEC}s), ` +
        `${unattributed} unattributed, ${refused} refused, ${timeouts} watchdog timeouts\n`,
    );
    expect(timeouts).toBe(0);
    expect(await container.show('tributary', 'NRestarts')).toBe('0');
    expect(Number(await container.show('tributary', 'MainPID'))).toBe(pid);
    expect(unattributed).toBe(0);
    expect(refused).toBe(0);
    // One ping per WatchdogSec/3 while busy; a few may be late under load, none may be missing for long.
    expect(accepted).toBeGreaterThanOrEqual(Math.floor((busyFor / 1000 / (WATCHDOG_SEC / 3)) * 0.8));
  });

  it('is armed: an agent stopped with SIGSTOP is killed by the watchdog and started again', { timeout: 90_000 }, async () => {
    if ((await container.exec(['systemctl', 'is-active', 'tributary'], { check: false })).stdout.trim() !== 'active') await startService(container);
    const stopped = Number(await container.show('tributary', 'MainPID'));
    const restartsBefore = Number(await container.show('tributary', 'NRestarts'));
    await container.exec(['kill', '-STOP', String(stopped)]);
    await waitUntil(async () => ((await managerLog()).includes('tributary.service: Watchdog timeout') ? true : undefined), (WATCHDOG_SEC + 10) * 1000, 'systemd\'s "Watchdog timeout"');
    const restarted = await waitUntil(
      async () => {
        const pid = Number(await container.show('tributary', 'MainPID'));
        const active = (await container.exec(['systemctl', 'is-active', 'tributary'], { check: false })).stdout.trim();
        return pid !== 0 && pid !== stopped && active === 'active' ? pid : undefined;
      },
      60_000,
      'the agent started again after the watchdog killed it',
    );
    expect(restarted).not.toBe(stopped);
    expect(Number(await container.show('tributary', 'NRestarts'))).toBe(restartsBefore + 1);
    expect(await managerLog()).toMatch(/tributary\.service: Killing process \d+ \(node\) with signal SIGABRT/);
  });
});
