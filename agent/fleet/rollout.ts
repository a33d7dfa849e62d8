import type { KeyObject } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { sealBundle, type BundleContent } from './config-bundle.js';
import type { DeviceStatus } from './device-status.js';
import type { FleetDirectory } from './fleet-directory.js';

/** Where a device stands with one version. */
export type DeviceProgress = 'pending' | 'probation' | 'applied' | 'refused';

/** Where `status` stands with `version`: refused (rejected or rolled back), applied (past probation) or not yet. */
export function progressOf(status: DeviceStatus, version: number): DeviceProgress {
  const change = status.last_change;
  if (change?.version === version && change.outcome !== 'applied') return 'refused';
  if ((status.config_version ?? 0) === version) return status.probation ? 'probation' : 'applied';
  if ((status.config_version ?? 0) > version) return 'applied';
  return 'pending';
}

export interface RolloutTarget {
  readonly group: string;
  readonly devices: readonly string[];
}

/** What a finished wait says of each device. */
export interface RolloutOutcome {
  readonly done: boolean;
  readonly progress: Map<string, DeviceProgress>;
}

/**
 * Waits until every device in `devices` has applied `version` (past its probation) or refused it, or until
 * `timeoutMs` of the directory's clock; `onProgress` hears of each device whose progress changed.
 */
export async function waitForRollout(
  directory: FleetDirectory,
  devices: readonly string[],
  version: number,
  timeoutMs: number,
  onProgress: (device: string, progress: DeviceProgress, status: DeviceStatus | undefined) => void = () => {},
): Promise<RolloutOutcome> {
  const progress = new Map<string, DeviceProgress>(devices.map((device) => [device, 'pending']));
  const look = () => {
    for (const device of devices) {
      const status = directory.devices.get(device)?.status;
      const now = status === undefined ? 'pending' : progressOf(status, version);
      if (now !== progress.get(device)) {
        progress.set(device, now);
        onProgress(device, now, status);
      }
    }
    return [...progress.values()].every((state) => state === 'applied' || state === 'refused');
  };
  if (look()) return { done: true, progress };
  return new Promise((resolve) => {
    const timer = directory.clock.setTimeout(() => (stop(), resolve({ done: false, progress })), timeoutMs);
    const stop = directory.onChange(() => {
      if (!look()) return;
      directory.clock.clearTimer(timer);
      stop();
      resolve({ done: true, progress });
    });
  });
}

/** Signs and publishes one bundle, retained, to its topic. */
export async function publishBundle(client: MqttClient, directory: FleetDirectory, content: BundleContent, key: KeyObject): Promise<string> {
  const topic = 'group' in content.target ? directory.topics.groupBundle(content.target.group) : directory.topics.deviceBundle(content.target.device);
  await client.publishAsync(topic, sealBundle(content, key), { qos: 1, retain: true });
  return topic;
}
