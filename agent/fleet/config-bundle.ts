import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { FLEET_NAME } from './fleet-config.js';
import { keyIdOf, type TrustedKey } from './fleet-keys.js';

export const BUNDLE_FORMAT = 'tributary-bundle/1';

/** Bundles are a config file and its tests; anything this big is not one. */
export const MAX_BUNDLE_BYTES = 1024 * 1024;

const target = z.union([
  z.strictObject({ group: z.string().regex(FLEET_NAME) }),
  z.strictObject({ device: z.string().regex(FLEET_NAME) }),
]);

/** What is signed: one version of the config for a group or a device, or the order to go back one version. */
const bundleContent = z.strictObject({
  version: z.number().int().positive(),
  target,
  action: z.enum(['apply', 'rollback']),
  /** The config file's text as written, `${NAME}` references unresolved (resolved on the device). */
  config: z.string().optional(),
  /** A rule test file's text (`tributary test-rules`), run against the bundle's rules before applying. */
  tests: z.string().optional(),
  /**
   * A group rollback: the version whose config (and tests) this bundle pushes again under a new version. A device
   * drops the versions from that one on from its own rollback history, so a later rollback does not bring them back.
   */
  restores: z.number().int().positive().optional(),
  created_at: z.string(),
});
export type BundleContent = z.output<typeof bundleContent>;

/** What travels: the content as signed bytes (base64), the key id and the signature. */
const envelope = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  key: z.string(),
  content: z.string(),
  signature: z.string(),
});

/** A bundle whose signature checked out. */
export interface OpenedBundle extends BundleContent {
  /** SHA-256 of the signed bytes: the same bundle arriving twice (group and canary topic) has the same digest. */
  readonly digest: string;
  readonly keyId: string;
}

export type OpenOutcome = { ok: true; bundle: OpenedBundle } | { ok: false; reason: string };

/** Signs `content` with `privateKey`; the JSON to publish. */
export function sealBundle(content: BundleContent, privateKey: KeyObject): string {
  const bytes = Buffer.from(JSON.stringify(content), 'utf8');
  return JSON.stringify({
    format: BUNDLE_FORMAT,
    key: keyIdOf(privateKey),
    content: bytes.toString('base64'),
    signature: sign(null, bytes, privateKey).toString('base64'),
  });
}

/**
 * Checks a bundle's form and signature against the trusted keys; only then is its content read. The content is
 * data (YAML text), never code: nothing in it is evaluated.
 */
export function openBundle(payload: Buffer, trusted: readonly TrustedKey[]): OpenOutcome {
  if (payload.length > MAX_BUNDLE_BYTES) return { ok: false, reason: `bundle of ${payload.length} bytes; at most ${MAX_BUNDLE_BYTES}` };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not a bundle: the payload is not JSON' };
  }
  const outer = envelope.safeParse(json);
  if (!outer.success) return { ok: false, reason: `not a bundle: expected {format: "${BUNDLE_FORMAT}", key, content, signature}` };
  const key = trusted.find((candidate) => candidate.id === outer.data.key);
  if (key === undefined) return { ok: false, reason: `signed by key ${outer.data.key}, which is not in fleet.trusted_keys` };
  const bytes = Buffer.from(outer.data.content, 'base64');
  if (!verify(null, bytes, key.key, Buffer.from(outer.data.signature, 'base64'))) {
    return { ok: false, reason: `bad signature: the bundle does not match key ${key.id}'s signature (altered, or signed by another key)` };
  }
  let inner: unknown;
  try {
    inner = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, reason: 'signed content is not JSON' };
  }
  const content = bundleContent.safeParse(inner);
  if (!content.success) return { ok: false, reason: `signed content is not a bundle: ${content.error.issues[0]?.message ?? 'invalid'}` };
  if (content.data.action === 'apply' && content.data.config === undefined) return { ok: false, reason: 'an apply bundle without a config' };
  return { ok: true, bundle: { ...content.data, digest: createHash('sha256').update(bytes).digest('hex'), keyId: key.id } };
}
