import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/helpers/manual-clock.js';
import { lostMessage, type DeviceStatus } from './device-status.js';
import { FleetDirectory } from './fleet-directory.js';

const PREFIX = 'tributary/fleet';

function statusOf(device: string, fields: Partial<DeviceStatus> = {}): Buffer {
  const status: DeviceStatus = { device, groups: ['greenhouses'], online: true, agent_version: '1.0.0', interval_s: 2, at: '2026-12-07T06:00:00.000Z', config_version: 7, healthy: true, ...fields };
  return Buffer.from(JSON.stringify(status));
}

describe('FleetDirectory', () => {
  it("shows a device offline while its Last Will stands, with the version its status last named, and online again once the device clears it", () => {
    const directory = new FleetDirectory({ brokers: ['mqtt://127.0.0.1:1'] }, PREFIX, new ManualClock());
    let changes = 0;
    directory.onChange(() => changes++);
    directory.receive(`${PREFIX}/status/dev-a`, statusOf('dev-a'));
    directory.receive(`${PREFIX}/status/dev-b`, statusOf('dev-b'));

    directory.receive(`${PREFIX}/lost/dev-a`, Buffer.from(lostMessage('dev-a')));
    expect(directory.members().map(({ device, online, reason, config_version }) => ({ device, online, reason, config_version }))).toEqual([
      { device: 'dev-a', online: false, reason: 'connection lost', config_version: 7 },
      { device: 'dev-b', online: true, reason: undefined, config_version: 7 },
    ]);

    // The device connects again: it clears its Will with an empty retained message.
    directory.receive(`${PREFIX}/lost/dev-a`, Buffer.alloc(0));
    expect(directory.members()[0]).toMatchObject({ device: 'dev-a', online: true });
    expect(changes).toBe(4);
  });

  it("ignores a Will naming another device than its topic's, and one that is not a Will", () => {
    const directory = new FleetDirectory({ brokers: ['mqtt://127.0.0.1:1'] }, PREFIX, new ManualClock());
    directory.receive(`${PREFIX}/status/dev-a`, statusOf('dev-a'));
    directory.receive(`${PREFIX}/lost/dev-a`, Buffer.from(lostMessage('dev-b')));
    directory.receive(`${PREFIX}/lost/dev-a`, Buffer.from('not json'));
    directory.receive(`${PREFIX}/lost/dev-a`, Buffer.from('{"device":"dev-a","reason":"bored"}'));
    expect(directory.members()[0]).toMatchObject({ device: 'dev-a', online: true });
  });

  it('keeps a stopped device offline as stopped, Will or not', () => {
    const directory = new FleetDirectory({ brokers: ['mqtt://127.0.0.1:1'] }, PREFIX, new ManualClock());
    directory.receive(`${PREFIX}/status/dev-a`, statusOf('dev-a', { online: false, reason: 'stopped' }));
    directory.receive(`${PREFIX}/lost/dev-a`, Buffer.from(lostMessage('dev-a')));
    expect(directory.members()[0]).toMatchObject({ online: false, reason: 'stopped' });
  });
});
