import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openBundle, sealBundle, type BundleContent } from './config-bundle.js';
import { parsePublicKey, publicKeyText } from './fleet-keys.js';

const content: BundleContent = { version: 7, target: { group: 'greenhouses' }, action: 'apply', config: 'rules: {}\n', created_at: '2026-12-07T00:00:00Z' };

function pair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, trusted: parsePublicKey(publicKeyText(publicKey)) };
}

describe('config bundles', () => {
  it('open with a trusted key and carry what was signed', () => {
    const { privateKey, trusted } = pair();
    const opened = openBundle(Buffer.from(sealBundle(content, privateKey)), [trusted]);
    expect(opened).toMatchObject({ ok: true, bundle: { ...content, keyId: trusted.id } });
  });

  it('are refused when signed by a key not trusted, or altered after signing', () => {
    const signer = pair();
    const other = pair();
    expect(openBundle(Buffer.from(sealBundle(content, signer.privateKey)), [other.trusted])).toEqual({
      ok: false,
      reason: `signed by key ${signer.trusted.id}, which is not in fleet.trusted_keys`,
    });
    const sealed = JSON.parse(sealBundle(content, signer.privateKey)) as { content: string };
    const altered = { ...sealed, content: Buffer.from(JSON.stringify({ ...content, version: 8 })).toString('base64') };
    const opened = openBundle(Buffer.from(JSON.stringify(altered)), [signer.trusted]);
    expect(opened.ok).toBe(false);
    expect(!opened.ok && opened.reason).toMatch(/^bad signature/);
  });

  it('are refused when not a bundle at all', () => {
    const { trusted } = pair();
    expect(openBundle(Buffer.from('hello'), [trusted])).toEqual({ ok: false, reason: 'not a bundle: the payload is not JSON' });
    expect(openBundle(Buffer.from('{"format":"x"}'), [trusted]).ok).toBe(false);
  });

  it('print a public key as one line that reads back as the same key', () => {
    const { privateKey, trusted } = pair();
    void privateKey;
    expect(publicKeyText(trusted.key)).toMatch(/^ed25519:[A-Za-z0-9+/]{43}=$/);
    expect(parsePublicKey(publicKeyText(trusted.key)).id).toBe(trusted.id);
    expect(() => parsePublicKey('ed25519:AAAA')).toThrow(/not an Ed25519 public key/);
  });
});
