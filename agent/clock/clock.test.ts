import { execFileSync } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { ClockStepDetector } from './clock-step-detector.js';
import { checkClockSync } from './clock-sync.js';
import { currentBootId, monotonicMs } from './monotonic-clock.js';

describe('clock step detector', () => {
  it('says nothing while wall and monotonic time advance together, or drift within the tolerance', () => {
    const detector = new ClockStepDetector(1_000);
    expect(detector.observe(1_000_000, 50)).toBe(0);
    expect(detector.observe(1_000_250, 300)).toBe(0);
    expect(detector.observe(1_000_500 + 400, 550)).toBe(0); // NTP slewing: 400 ms ahead, under the tolerance
  });

  it('reports a forward jump at synchronisation and a backward step, by how much', () => {
    const detector = new ClockStepDetector(1_000);
    detector.observe(1_000_000, 0);
    const threeDays = 3 * 86_400_000;
    expect(detector.observe(1_000_250 + threeDays, 250)).toBe(threeDays);
    expect(detector.observe(1_000_500 + threeDays - 3_600_000, 500)).toBe(-3_600_000);
    expect(detector.observe(1_000_750 + threeDays - 3_600_000, 750)).toBe(0);
  });
});

describe('clock synchronisation', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await makeTempDir('clock');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('follows systemd-timesyncd: synchronised once its flag file exists', async () => {
    const flag = path.join(dir.path, 'timesync', 'synchronized');
    await mkdir(path.dirname(flag));
    expect(await checkClockSync({ method: 'timesyncd', timesyncdFlag: flag })).toEqual({ synchronized: false, method: 'timesyncd' });
    // auto picks timesyncd because its directory exists
    expect(await checkClockSync({ method: 'auto', timesyncdFlag: flag })).toEqual({ synchronized: false, method: 'timesyncd' });
    await writeFile(flag, '');
    expect(await checkClockSync({ method: 'auto', timesyncdFlag: flag })).toEqual({ synchronized: true, method: 'timesyncd' });
    await rm(flag);
    expect((await checkClockSync({ method: 'timesyncd', timesyncdFlag: flag })).synchronized).toBe(false);
  });

  it("asks timedatectl where timesyncd does not run, and trusts the clock, saying so, when nothing can tell", async () => {
    // systemd is not PID 1 on this machine, so a script stands in for timedatectl's one answer.
    const timedatectl = path.join(dir.path, 'timedatectl');
    const answer = path.join(dir.path, 'answer');
    await writeFile(timedatectl, `#!/bin/sh\n[ "$*" = "show -p NTPSynchronized --value" ] || exit 2\ncat "${answer}"\n`);
    await chmod(timedatectl, 0o755);
    const noTimesyncd = path.join(dir.path, 'absent', 'synchronized');
    await writeFile(answer, 'no\n');
    expect(await checkClockSync({ method: 'auto', timesyncdFlag: noTimesyncd, timedatectl })).toEqual({ synchronized: false, method: 'timedatectl' });
    await writeFile(answer, 'yes\n');
    expect(await checkClockSync({ method: 'timedatectl', timedatectl })).toEqual({ synchronized: true, method: 'timedatectl' });
    await writeFile(answer, 'System has not been booted with systemd as init system\n');
    const unknown = await checkClockSync({ method: 'auto', timesyncdFlag: noTimesyncd, timedatectl });
    expect(unknown).toMatchObject({ synchronized: true, method: 'always', unknown: expect.stringMatching(/neither systemd-timesyncd nor timedatectl/) });
    // timedatectl asked directly but unable to answer: not synchronised, never trusted by accident
    expect(await checkClockSync({ method: 'timedatectl', timedatectl: path.join(dir.path, 'missing') })).toEqual({ synchronized: false, method: 'timedatectl' });
  });

  it('always and never mean what they say', async () => {
    expect(await checkClockSync({ method: 'always' })).toEqual({ synchronized: true, method: 'always' });
    expect(await checkClockSync({ method: 'never' })).toEqual({ synchronized: false, method: 'never' });
  });
});

describe('monotonic clock', () => {
  it('reads the boot id of this Linux boot and a monotonic time that only grows', async () => {
    expect(currentBootId()).toMatch(/^[0-9a-f-]{36}$/);
    expect(currentBootId(path.join('/nonexistent', 'boot_id'))).toBeUndefined();
    const before = monotonicMs();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(monotonicMs() - before).toBeGreaterThanOrEqual(15);
  });

  it('reads the same monotonic clock in every process, counted from boot, so runs of one boot compare', () => {
    const before = monotonicMs();
    // A second process reads the system's monotonic clock as monotonicMs does; a process-relative clock would read ~0.
    const child = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(Number(process.hrtime.bigint() / 1000n) / 1000))'], { encoding: 'utf8' }));
    const after = monotonicMs();
    expect(child).toBeGreaterThanOrEqual(before);
    expect(child).toBeLessThanOrEqual(after);
    expect(before).toBeGreaterThan(performance.now());
  });
});
