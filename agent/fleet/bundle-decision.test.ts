import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideOnBundle, type BundleReceiver } from './bundle-decision.js';
import { sealBundle, type BundleContent } from './config-bundle.js';
import { parsePublicKey, publicKeyText } from './fleet-keys.js';
import { FleetTopics } from './fleet-topics.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const topics = new FleetTopics('tributary/fleet');
const receiver: BundleReceiver = { device: 'dev-a', groups: ['greenhouses'], topics, trusted: [parsePublicKey(publicKeyText(publicKey))], running: 5, highest: 6 };
const groupTopic = topics.groupBundle('greenhouses');

function sealed(version: number, target: BundleContent['target'] = { group: 'greenhouses' }, action: BundleContent['action'] = 'apply'): Buffer {
  return Buffer.from(sealBundle({ version, target, action, ...(action === 'apply' ? { config: 'rules: {}\n' } : {}), created_at: '2026-12-07T00:00:00Z' }, privateKey));
}

describe('deciding on a bundle', () => {
  it('applies a newer version meant for one of its groups or for itself, on its topic', () => {
    expect(decideOnBundle(groupTopic, sealed(7), false, receiver)).toMatchObject({ kind: 'apply', bundle: { version: 7 } });
    expect(decideOnBundle(topics.deviceBundle('dev-a'), sealed(7, { device: 'dev-a' }), true, receiver)).toMatchObject({ kind: 'apply' });
    expect(decideOnBundle(groupTopic, sealed(7, { group: 'greenhouses' }, 'rollback'), false, receiver)).toMatchObject({ kind: 'rollback', bundle: { version: 7 } });
  });

  it('ignores an empty message, the version running and an old retained bundle', () => {
    expect(decideOnBundle(groupTopic, Buffer.alloc(0), true, receiver)).toMatchObject({ kind: 'ignore' });
    expect(decideOnBundle(groupTopic, sealed(5), false, receiver)).toEqual({ kind: 'ignore', why: 'the version running' });
    expect(decideOnBundle(groupTopic, sealed(6), true, receiver)).toEqual({ kind: 'ignore', why: 'retained bundle not newer' });
  });

  it('rejects a live replay, another target, the wrong topic and a bad signature, and says why', () => {
    expect(decideOnBundle(groupTopic, sealed(4), false, receiver)).toEqual({ kind: 'reject', version: 4, reason: 'replay: version 4 is not newer than version 6, the newest this device has seen' });
    expect(decideOnBundle(topics.groupBundle('fields'), sealed(7, { group: 'fields' }), false, receiver)).toMatchObject({ kind: 'reject', version: 7, reason: expect.stringMatching(/^meant for group fields, not for this device/) });
    expect(decideOnBundle(topics.deviceBundle('dev-a'), sealed(7), false, receiver)).toMatchObject({ kind: 'reject', reason: expect.stringMatching(/not on its topic tributary\/fleet\/bundle\/device\/dev-a$/) });
    const other = generateKeyPairSync('ed25519').privateKey;
    const forged = Buffer.from(sealBundle({ version: 9, target: { group: 'greenhouses' }, action: 'apply', config: 'rules: {}\n', created_at: '' }, other));
    expect(decideOnBundle(groupTopic, forged, false, receiver)).toMatchObject({ kind: 'reject', version: undefined, reason: expect.stringMatching(/not in fleet.trusted_keys/) });
  });
});
