import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/helpers/manual-clock.js';
import type { DeviceStatus } from './device-status.js';
import { FleetDirectory } from './fleet-directory.js';
import { waitForRollout, type DeviceProgress, type RolloutOutcome } from './rollout.js';

const PREFIX = 'tributary/fleet';

function statusOf(device: string, fields: Partial<DeviceStatus>): Buffer {
  const status: DeviceStatus = { device, groups: ['greenhouses'], online: true, agent_version: '1.0.0', interval_s: 2, at: '2026-12-07T06:00:00.000Z', config_version: 0, ...fields };
  return Buffer.from(JSON.stringify(status));
}

/** A directory that never connects: the test feeds it the messages a broker would send. */
function directoryOn(clock: ManualClock): FleetDirectory {
  return new FleetDirectory({ brokers: ['mqtt://127.0.0.1:1'] }, PREFIX, clock);
}

describe('waitForRollout', () => {
  it('follows each device from pending through probation to applied or refused, and ends when none is left pending', async () => {
    const clock = new ManualClock();
    const directory = directoryOn(clock);
    const heard: [string, DeviceProgress][] = [];
    let outcome: RolloutOutcome | undefined;
    void waitForRollout(directory, ['dev-a', 'dev-b'], 7, 60_000, (device, progress) => heard.push([device, progress])).then((done) => (outcome = done));

    directory.receive(`${PREFIX}/status/dev-a`, statusOf('dev-a', { config_version: 7, probation: true }));
    directory.receive(`${PREFIX}/status/dev-b`, statusOf('dev-b', { last_change: { version: 7, outcome: 'rejected', reason: 'bad signature', at: '2026-12-07T06:00:01.000Z' } }));
    await clock.advance(0);
    expect(outcome).toBeUndefined();
    directory.receive(`${PREFIX}/status/dev-a`, statusOf('dev-a', { config_version: 7, probation: false }));
    await clock.advance(0);

    expect(outcome?.done).toBe(true);
    expect(Object.fromEntries(outcome!.progress)).toEqual({ 'dev-a': 'applied', 'dev-b': 'refused' });
    expect(heard).toEqual([['dev-a', 'probation'], ['dev-b', 'refused'], ['dev-a', 'applied']]);
  });

  it('gives up after its timeout on the directory\'s clock, with the progress so far', async () => {
    const clock = new ManualClock();
    const directory = directoryOn(clock);
    let outcome: RolloutOutcome | undefined;
    void waitForRollout(directory, ['dev-a', 'dev-b'], 7, 20_000).then((done) => (outcome = done));
    directory.receive(`${PREFIX}/status/dev-a`, statusOf('dev-a', { config_version: 7, probation: false }));

    await clock.advance(19_999);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    expect(outcome?.done).toBe(false);
    expect(Object.fromEntries(outcome!.progress)).toEqual({ 'dev-a': 'applied', 'dev-b': 'pending' });
    // A status after the timeout changes nothing: the wait stopped listening.
    directory.receive(`${PREFIX}/status/dev-b`, statusOf('dev-b', { config_version: 7 }));
    expect(outcome!.progress.get('dev-b')).toBe('pending');
  });

  it('is done at once when every device is already past the version', async () => {
    const directory = directoryOn(new ManualClock());
    directory.receive(`${PREFIX}/status/dev-a`, statusOf('dev-a', { config_version: 9 }));
    expect(await waitForRollout(directory, ['dev-a'], 7, 1)).toMatchObject({ done: true });
  });
});
