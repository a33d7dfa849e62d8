import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

/** A public key the devices trust, with the short id bundles name it by. */
export interface TrustedKey {
  readonly id: string;
  readonly key: KeyObject;
}

/** `ed25519:<base64 of the 32 raw bytes>`: one line, easy to paste into `trusted_keys`. */
export function publicKeyText(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return `ed25519:${Buffer.from(jwk.x!, 'base64url').toString('base64')}`;
}

/** Reads a `trusted_keys` entry; throws on one that is not an Ed25519 public key. */
export function parsePublicKey(text: string): TrustedKey {
  const raw = Buffer.from(text.replace(/^ed25519:/, ''), 'base64');
  if (!text.startsWith('ed25519:') || raw.length !== 32) throw new Error(`not an Ed25519 public key: ${text.slice(0, 20)}…`);
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  return { id: keyId(raw), key };
}

/** The first 16 hex digits of the SHA-256 of the raw public key. */
function keyId(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

/** The id of the public half of a private key. */
export function keyIdOf(privateKey: KeyObject): string {
  return parsePublicKey(publicKeyText(createPublicKey(privateKey))).id;
}

/**
 * Makes a key pair: the private key (PKCS#8 PEM) to `file`, readable by its owner only, the public key line to
 * `file.pub`. Refuses to overwrite a key (`wx`): a lost private key means re-keying every device.
 */
export function generateKeyFiles(file: string): { publicKey: string; publicFile: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  const text = publicKeyText(publicKey);
  writeFileSync(`${file}.pub`, `${text}\n`, { mode: 0o644, flag: 'wx' });
  return { publicKey: text, publicFile: `${file}.pub` };
}

/** Reads the private key of `fleet push`; says what to do when the file is not one. */
export function readPrivateKey(file: string): KeyObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the signing key ${file}: ${(error as Error).message} (make one with tributary fleet keygen)`, { cause: error });
  }
  const key = createPrivateKey(text);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is a ${String(key.asymmetricKeyType)} key; fleet bundles are signed with Ed25519 (tributary fleet keygen)`);
  return key;
}
