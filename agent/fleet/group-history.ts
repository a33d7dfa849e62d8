import { createPublicKey, type KeyObject } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { openBundle, sealBundle, type BundleContent, type OpenedBundle } from './config-bundle.js';
import type { FleetDirectory } from './fleet-directory.js';
import { parsePublicKey, publicKeyText } from './fleet-keys.js';

/** Copies of a group's bundles kept on the broker for `fleet rollback`; older ones are cleared. */
export const HISTORY_KEEP = 10;

/**
 * Signs a group's bundle and publishes it, retained, to the group's topic, with a copy in the group's history
 * (`<prefix>/bundle/history/<group>/<version>`), of which the newest HISTORY_KEEP stay. `dropFrom` (a group rollback
 * that restores that version): the copies from that version on go, so the next rollback goes further back.
 */
export async function pushToGroup(client: MqttClient, directory: FleetDirectory, content: BundleContent & { target: { group: string } }, key: KeyObject, dropFrom?: number): Promise<string> {
  const { group } = content.target;
  const sealed = sealBundle(content, key);
  const topic = directory.topics.groupBundle(group);
  // The copy first: whatever runs can be found again.
  await client.publishAsync(directory.topics.groupHistory(group, content.version), sealed, { qos: 1, retain: true });
  await client.publishAsync(topic, sealed, { qos: 1, retain: true });
  const older = historyVersions(directory, group).filter((version) => version !== content.version);
  const cleared = older.filter((version, index) => (dropFrom !== undefined && version >= dropFrom) || older.length - index >= HISTORY_KEEP);
  for (const version of cleared) await client.publishAsync(directory.topics.groupHistory(group, version), '', { qos: 1, retain: true });
  return topic;
}

/** The versions of a group's history copies on the broker, oldest first. */
function historyVersions(directory: FleetDirectory, group: string): number[] {
  return [...directory.bundles.keys()]
    .map((topic) => directory.topics.historyOf(topic))
    .filter((entry) => entry?.group === group)
    .map((entry) => entry!.version)
    .sort((a, b) => a - b);
}

/**
 * The group's bundle now and its history copies, opened with the public half of `key`: only copies this key signed
 * are used (one planted on the broker by someone else would otherwise be signed again). Copies oldest first.
 */
export function readGroupHistory(directory: FleetDirectory, group: string, key: KeyObject): { current: OpenedBundle | undefined; copies: OpenedBundle[]; problem?: string } {
  const trusted = [parsePublicKey(publicKeyText(createPublicKey(key)))];
  const payload = directory.bundles.get(directory.topics.groupBundle(group));
  const opened = payload === undefined ? undefined : openBundle(payload, trusted);
  const copies = historyVersions(directory, group)
    .map((version) => openBundle(directory.bundles.get(directory.topics.groupHistory(group, version))!, trusted))
    .flatMap((copy) => (copy.ok && copy.bundle.action === 'apply' && 'group' in copy.bundle.target && copy.bundle.target.group === group ? [copy.bundle] : []));
  if (opened !== undefined && !opened.ok) return { current: undefined, copies, problem: opened.reason };
  return { current: opened?.bundle, copies };
}
