import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { seenStatus, type DeviceStatus } from '../../agent/fleet/device-status.js';
import { tributaryWith } from './run-cli.js';

/** The fleet's default topic prefix, as config/fleet-mosquitto.acl names it. */
export const FLEET_PREFIX = 'tributary/fleet';

/** A signing key made with `tributary fleet keygen` in `dir`, and the public key line devices trust. */
export async function makeFleetKey(dir: string): Promise<{ keyFile: string; publicKey: string }> {
  const keyFile = path.join(dir, 'fleet-key');
  const made = await tributaryWith({}, 'fleet', 'keygen', keyFile);
  if (made.code !== 0) throw new Error(`fleet keygen failed: ${made.stderr}`);
  return { keyFile, publicKey: readFileSync(`${keyFile}.pub`, 'utf8').trim() };
}

export interface FleetDeviceConfig {
  readonly device: string;
  readonly groups: readonly string[];
  readonly publicKey: string;
  readonly brokerUrl: string;
  /** The device's one source, `feed`, as a YAML flow mapping. */
  readonly source: string;
  /** More lines of its `fleet:` section (indented by the caller's two spaces), e.g. `password: …`, `tls: …`. */
  readonly fleetLines?: readonly string[];
}

/** A device's own config file: one source, one rule, a console sink, and its `fleet:` section. */
export function fleetDeviceConfig(device: FleetDeviceConfig): string {
  return `
agent: { tick: 100ms, http: { enabled: false } }
sources:
  feed: ${device.source}
rules:
  local_rule: { from: feed, window: { type: tumbling, size: 1s }, aggregates: [count] }
sinks:
  out: { driver: console }
fleet:
  brokers: ["${device.brokerUrl}"]
  device: ${device.device}
  groups: [${device.groups.join(', ')}]
  trusted_keys: ["${device.publicKey}"]
  status_interval: 2s
  probation: 4s
${(device.fleetLines ?? []).map((line) => `  ${line}`).join('\n')}
`;
}

/** A config to push: the source `feed` as given, one rule named `rule`. */
export function pushableConfig(rule: string, source: string): string {
  return `
agent: { tick: 100ms, http: { enabled: false } }
sources:
  feed: ${source}
rules:
  ${rule}: { from: feed, window: { type: tumbling, size: 1s }, aggregates: [count, mean] }
sinks:
  out: { driver: console }
`;
}

/** Writes `text` to `<dir>/<name>.yaml` and pushes it with `tributary fleet push <args>` (env: the operator's). */
export async function pushFleetConfig(dir: string, name: string, text: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, text);
  return tributaryWith(env, 'fleet', 'push', ...args, file);
}

/**
 * Every device's latest retained status, as an operator subscribed to `<prefix>/status/+` and `<prefix>/lost/+`
 * sees it: offline while its Last Will stands.
 */
export interface FleetObserver {
  readonly client: MqttClient;
  status(device: string): DeviceStatus | undefined;
  close(): Promise<void>;
}

export async function observeFleet(url: string, options: IClientOptions = {}): Promise<FleetObserver> {
  const statuses = new Map<string, DeviceStatus>();
  const lost = new Set<string>();
  const client = await mqtt.connectAsync(url, options);
  client.on('message', (topic, payload) => {
    if (topic.startsWith(`${FLEET_PREFIX}/status/`) && payload.length > 0) {
      const parsed = JSON.parse(payload.toString()) as DeviceStatus;
      statuses.set(parsed.device, parsed);
    } else if (topic.startsWith(`${FLEET_PREFIX}/lost/`)) {
      const device = topic.slice(`${FLEET_PREFIX}/lost/`.length);
      if (payload.length > 0) lost.add(device);
      else lost.delete(device);
    }
  });
  await client.subscribeAsync([`${FLEET_PREFIX}/status/+`, `${FLEET_PREFIX}/lost/+`], { qos: 1 });
  return {
    client,
    status: (device) => {
      const status = statuses.get(device);
      return status === undefined ? undefined : seenStatus(status, lost.has(device));
    },
    close: async () => void (await client.endAsync(true)),
  };
}
