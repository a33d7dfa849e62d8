import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openBundle, sealBundle, type OpenedBundle } from './config-bundle.js';
import type { DeviceStatus } from './device-status.js';
import { parsePublicKey, publicKeyText } from './fleet-keys.js';
import { planGroupRollback } from './group-rollback.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const trusted = [parsePublicKey(publicKeyText(publicKey))];

function bundle(version: number): OpenedBundle {
  const opened = openBundle(Buffer.from(sealBundle({ version, target: { group: 'g' }, action: 'apply', config: `# v${version}\n`, created_at: '2026-12-07T00:00:00Z' }, privateKey)), trusted);
  if (!opened.ok) throw new Error(opened.reason);
  return opened.bundle;
}

function device(name: string, running: number, previous: number): DeviceStatus {
  return { device: name, groups: ['g'], online: true, agent_version: 't', config_version: running, previous_version: previous, interval_s: 30, at: '' };
}

describe('group rollback', () => {
  const copies = [bundle(10), bundle(20), bundle(30)];

  it('restores the version the devices on the current one would step back to, skipping one they rolled back themselves', () => {
    // 20 failed its probation everywhere: the devices on 30 step back to 10.
    const plan = planGroupRollback(copies[2]!, copies, [device('a', 30, 10), device('b', 30, 10), device('c', 10, 0)]);
    expect(plan).toMatchObject({ kind: 'restore', current: 30, restores: { version: 10, config: '# v10\n' } });
  });

  it('goes by most devices, and by the copy before the current one when no device runs it', () => {
    expect(planGroupRollback(copies[2]!, copies, [device('a', 30, 20), device('b', 30, 10), device('c', 30, 20)])).toMatchObject({ restores: { version: 20 } });
    expect(planGroupRollback(copies[2]!, copies, [])).toMatchObject({ kind: 'restore', restores: { version: 20 } });
  });

  it('orders a step back when the group ran local configs before, or when no copy of the version is left', () => {
    expect(planGroupRollback(copies[0]!, copies, [device('a', 10, 0)])).toEqual({ kind: 'step-back', current: 10, why: "the group ran the devices' local config files before version 10" });
    expect(planGroupRollback(copies[2]!, [copies[2]!], [device('a', 30, 20)])).toMatchObject({ kind: 'step-back', why: expect.stringMatching(/^no copy of version 20 signed by this key/) });
  });

  it('does not roll back from a step-back order: the copy before it is the version that order undid', () => {
    const opened = openBundle(Buffer.from(sealBundle({ version: 40, target: { group: 'g' }, action: 'rollback', created_at: '2026-12-07T00:00:00Z' }, privateKey)), trusted);
    if (!opened.ok) throw new Error(opened.reason);
    expect(planGroupRollback(opened.bundle, copies, [device('a', 0, 0)])).toMatchObject({ kind: 'nothing', current: 40 });
  });
});
