import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClockStamp } from '../../drivers/driver.js';
import type { RuleResult } from '../../rules/rule-result.js';
import { ManualClock } from '../../test/helpers/manual-clock.js';
import type { Logger } from '../logger.js';
import type { ClockSegment } from './agent-clock.js';
import { ClockSupervisor } from './clock-supervisor.js';

const THREE_DAYS = 3 * 86_400_000;
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A supervisor on a ManualClock, told by a timesyncd flag file of the test whether the clock is synchronised. */
async function supervised() {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-clock-supervisor-'));
  dirs.push(dir);
  const flag = join(dir, 'synchronized');
  const clock = new ManualClock(1_700_000_000_000);
  const logs: string[] = [];
  const log = { warn: (_: object, message: string) => logs.push(message), info: (_: object, message: string) => logs.push(message) } as unknown as Logger;
  const kept: { result: RuleResult; stamp: ClockStamp | undefined }[] = [];
  const segments: ClockSegment[] = [];
  let synchronisations = 0;
  const supervisor = new ClockSupervisor({
    log,
    now: clock.now,
    monotonic: clock.monotonic,
    bootIdFile: join(dir, 'boot_id'),
    timers: clock,
    settings: () => ({ sync: 'timesyncd', sync_flag: flag, check_interval: 100, hold_unsynchronised: 3_600_000 }),
    segments: { isOpen: true, clockSegments: () => [], keepSegment: (segment) => void segments.push(segment) },
    agentName: 'pi',
    stepped: () => [],
    keep: (result, stamp) => void kept.push({ result, stamp }),
    synchronised: () => void (synchronisations += 1),
  });
  return { clock, supervisor, flag, logs, kept, segments, synchronisations: () => synchronisations };
}

describe('ClockSupervisor', () => {
  it('notices a step of the wall clock, says so as an event stamped in the new segment, and stamps results until synchronised', async () => {
    const pi = await supervised();
    await pi.supervisor.start();
    pi.supervisor.startChecking();
    expect(pi.logs).toEqual(['the system clock is not synchronised: results are held back until it is, then re-dated']);
    const before = pi.supervisor.stamp();
    expect(before).toMatchObject({ segment: 1, monotonic: 0 });

    await pi.clock.advance(1_000);
    pi.clock.stepWall(THREE_DAYS);
    pi.supervisor.watch();
    expect(pi.supervisor.steps).toBe(1);
    expect(pi.kept).toHaveLength(1);
    expect(pi.kept[0]!.result).toMatchObject({ kind: 'event', event: 'clock-step', source: 'pi', sensor: 'clock' });
    expect(pi.kept[0]!.stamp).toMatchObject({ segment: 2, monotonic: 1_000 });
    expect(pi.logs.at(-1)).toBe('the wall clock was set forward by 3 d; windows open at the step were sent as they were');

    await writeFile(pi.flag, '');
    await pi.clock.advance(100);
    expect(pi.synchronisations()).toBe(1);
    expect(pi.supervisor.isSynchronised).toBe(true);
    expect(pi.supervisor.stamp()).toBeUndefined();
    pi.supervisor.stop();
    expect(pi.clock.pendingTimers).toBe(0);
  });

  it('checks every check_interval while unsynchronised and twelve times less often once synchronised', async () => {
    const pi = await supervised();
    await writeFile(pi.flag, '');
    await pi.supervisor.start();
    pi.supervisor.startChecking();
    expect(pi.supervisor.isSynchronised).toBe(true);
    await unlink(pi.flag);
    await pi.clock.advance(1_199);
    expect(pi.supervisor.isSynchronised).toBe(true);
    await pi.clock.advance(1);
    expect(pi.supervisor.isSynchronised).toBe(false);
    expect(pi.logs.at(-1)).toBe('the system clock is no longer synchronised: results are held back until it is, then re-dated');
    await writeFile(pi.flag, '');
    await pi.clock.advance(100);
    expect(pi.supervisor.isSynchronised).toBe(true);
    pi.supervisor.stop();
  });
});
