import { openBundle, type OpenedBundle } from './config-bundle.js';
import type { TrustedKey } from './fleet-keys.js';
import type { FleetTopics } from './fleet-topics.js';

/** What a device knows when a message arrives on one of its bundle topics. */
export interface BundleReceiver {
  readonly device: string;
  readonly groups: readonly string[];
  readonly topics: FleetTopics;
  readonly trusted: readonly TrustedKey[];
  /** The pushed version running; undefined while the local config file runs. */
  readonly running: number | undefined;
  /** The newest version this device has seen (applied or not): older ones are replays. */
  readonly highest: number;
}

/** What to do with one message on a bundle topic. */
export type BundleDecision =
  | { kind: 'ignore'; why: string }
  | { kind: 'reject'; version: number | undefined; reason: string }
  | { kind: 'apply' | 'rollback'; bundle: OpenedBundle };

/**
 * Decides on a message that arrived on a bundle topic, without doing anything: the signature, the target and the
 * topic it came on, and the version against the running and the newest seen. Pure, so a fleet member and the fleet
 * benchmark's simulated devices decide alike.
 */
export function decideOnBundle(topic: string, payload: Buffer, retained: boolean, receiver: BundleReceiver): BundleDecision {
  // An empty retained message clears a topic: nothing to do.
  if (payload.length === 0) return { kind: 'ignore', why: 'empty: a cleared topic' };
  const opened = openBundle(payload, receiver.trusted);
  if (!opened.ok) return { kind: 'reject', version: undefined, reason: opened.reason };
  const bundle = opened.bundle;
  const { topics } = receiver;
  const meantHere = 'group' in bundle.target ? receiver.groups.includes(bundle.target.group) : bundle.target.device === receiver.device;
  const onItsTopic = topic === ('group' in bundle.target ? topics.groupBundle(bundle.target.group) : topics.deviceBundle(bundle.target.device));
  if (!meantHere || !onItsTopic) {
    const target = 'group' in bundle.target ? `group ${bundle.target.group}` : `device ${bundle.target.device}`;
    return { kind: 'reject', version: bundle.version, reason: `meant for ${target}, not for this device (groups: ${receiver.groups.join(', ') || 'none'}) or not on its topic ${topic}` };
  }
  // The version running, again: a canary's arriving for its group too, or a retained one at reconnection.
  if (receiver.running === bundle.version) return { kind: 'ignore', why: 'the version running' };
  if (bundle.version <= receiver.highest) {
    // Retained bundles come back at every connection; an old one is not news. A live one is a replay.
    if (retained) return { kind: 'ignore', why: 'retained bundle not newer' };
    return { kind: 'reject', version: bundle.version, reason: `replay: version ${bundle.version} is not newer than version ${receiver.highest}, the newest this device has seen` };
  }
  return { kind: bundle.action, bundle };
}
