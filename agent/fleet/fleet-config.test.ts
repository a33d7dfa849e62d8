import { describe, expect, it } from 'vitest';
import { fleetSection, usernameOf } from './fleet-config.js';

const KEY = 'ed25519:aX7xOvnltFRxI6T6SrwIg4nulkApDXbKQ6jQZye7F7o=';

describe('fleet section', () => {
  it('logs in as the device id when a password is set and no user name, so a per-device ACL (%u) matches', () => {
    expect(usernameOf({ device: 'greenhouse-3', password: 'secret' })).toBe('greenhouse-3');
    expect(usernameOf({ device: 'greenhouse-3', username: 'someone', password: 'secret' })).toBe('someone');
    // Anonymous brokers: no user name is sent at all.
    expect(usernameOf({ device: 'greenhouse-3' })).toBeUndefined();
  });

  it('keeps the fleet connection alive every 15 s by default, so a silent device shows offline within about 23 s', () => {
    expect(fleetSection.parse({ brokers: ['mqtt://broker.local:1883'], trusted_keys: [KEY] })?.keepalive).toBe(15_000);
    expect(fleetSection.parse({ brokers: ['mqtt://broker.local:1883'], trusted_keys: [KEY], keepalive: '2s' })?.keepalive).toBe(2_000);
    const tooShort = fleetSection.safeParse({ brokers: ['mqtt://broker.local:1883'], trusted_keys: [KEY], keepalive: '500ms' });
    expect(tooShort.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([['keepalive', 'between 1s and 65535s (MQTT counts it in whole seconds)']]);
  });

  it("takes the MQTT sink's tls options and refuses them with an unencrypted broker URL", () => {
    const parsed = fleetSection.parse({ brokers: ['mqtts://broker.local:8883'], trusted_keys: [KEY], tls: { ca: 'ca.pem' } });
    expect(parsed?.tls).toEqual({ ca: 'ca.pem', reject_unauthorized: true });

    const plain = fleetSection.safeParse({ brokers: ['mqtts://a:8883', 'mqtt://b:1883'], trusted_keys: [KEY], tls: { ca: 'ca.pem' } });
    expect(plain.success).toBe(false);
    expect(plain.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([['tls', 'tls needs mqtts:// or wss:// broker URLs; mqtt:// is not encrypted']]);

    const halfCertificate = fleetSection.safeParse({ brokers: ['mqtts://a:8883'], trusted_keys: [KEY], tls: { cert: 'client.pem' } });
    expect(halfCertificate.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([['tls.key', 'give both cert and key, or neither']]);
  });
});
