import type { MqttClient } from 'mqtt';
import { describeConnectionProblem } from '../../drivers/mqtt/connection-problem.js';
import { isDeviceStatus, type DeviceStatus } from './device-status.js';
import { connectFleet, type FleetBroker } from './fleet-connection.js';
import { FleetTopics } from './fleet-topics.js';

/** How long without a new retained message before the directory counts as read. */
const SETTLE_MS = 300;

/**
 * The operator's view of the fleet: every device's retained status and the highest bundle version on the broker,
 * kept up to date while connected. Used by `fleet status`, `watch` and `push`.
 */
export class FleetDirectory {
  readonly topics: FleetTopics;
  readonly devices = new Map<string, { status: DeviceStatus; receivedAt: number }>();
  /** The highest version of any retained bundle, or of any version a device reports. */
  highestVersion = 0;
  /** Every retained bundle on the broker (group, device and history topics), as published: by topic. */
  readonly bundles = new Map<string, Buffer>();
  private client: MqttClient | undefined;
  private lastMessageAt = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly broker: FleetBroker,
    prefix: string,
  ) {
    this.topics = new FleetTopics(prefix);
  }

  /** Connects and reads what is retained; rejects when the broker cannot be reached within `timeoutMs`. */
  async open(timeoutMs = 10_000): Promise<MqttClient> {
    const client = connectFleet(this.broker, { clean: true, reconnectPeriod: 1_000 });
    this.client = client;
    client.on('message', (topic, payload) => this.take(topic, payload));
    // Why the attempts failed (refused login, untrusted certificate …), for the message if none succeeds.
    let problem: string | undefined;
    client.on('error', (error) => (problem = describeConnectionProblem(error)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Or the client, retrying, would keep the command from exiting.
        client.end(true);
        this.client = undefined;
        reject(new Error(`cannot reach the fleet broker ${this.broker.brokers.join(', ')} within ${timeoutMs / 1000} s${problem === undefined ? '' : `: ${problem}`}`));
      }, timeoutMs);
      client.once('connect', () => (clearTimeout(timer), resolve()));
    });
    this.lastMessageAt = Date.now();
    // A broker cluster that lost a node refuses subscriptions for a few seconds (NATS, while JetStream elects new
    // leaders): try again until the time is up, then give up and close, or the retrying client keeps the command alive.
    for (const deadline = Date.now() + timeoutMs; ; ) {
      try {
        await client.subscribeAsync([this.topics.allStatuses, this.topics.allBundles], { qos: 1 });
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          client.end(true);
          this.client = undefined;
          throw new Error(`the fleet broker refused the subscription to the fleet topics for ${timeoutMs / 1000} s: ${(error as Error).message}`);
        }
        await sleep(1_000);
      }
    }
    // Retained messages arrive right after the subscription; wait until they stop coming.
    while (Date.now() - this.lastMessageAt < SETTLE_MS) await sleep(50);
    return client;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await Promise.race([client.endAsync(false), sleep(1_000)]).then(() => client.end(true));
  }

  /** Calls `listener` after each status received, until the returned function is called. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Devices in `group` (all without one), by id. */
  members(group?: string): DeviceStatus[] {
    return [...this.devices.values()]
      .map((entry) => entry.status)
      .filter((status) => group === undefined || status.groups.includes(group))
      .sort((a, b) => a.device.localeCompare(b.device));
  }

  /** When the status of `device` was last received, in ms. */
  receivedAt(device: string): number | undefined {
    return this.devices.get(device)?.receivedAt;
  }

  private take(topic: string, payload: Buffer): void {
    this.lastMessageAt = Date.now();
    if (payload.length === 0) {
      // An empty retained message clears its topic.
      this.bundles.delete(topic);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    const device = this.topics.deviceOfStatus(topic);
    if (device !== undefined) {
      if (!isDeviceStatus(json) || json.device !== device) return;
      this.devices.set(device, { status: json, receivedAt: Date.now() });
      this.highestVersion = Math.max(this.highestVersion, json.config_version ?? 0, json.last_change?.version ?? 0);
      for (const listener of this.listeners) listener();
      return;
    }
    // A bundle: its version is read from the signed content (the signature is the devices' business, and `fleet
    // rollback`'s, which opens the copies it re-signs).
    const content = (json as { content?: unknown }).content;
    if (typeof content !== 'string') return;
    this.bundles.set(topic, payload);
    try {
      const version = (JSON.parse(Buffer.from(content, 'base64').toString('utf8')) as { version?: unknown }).version;
      if (typeof version === 'number') this.highestVersion = Math.max(this.highestVersion, version);
    } catch {
      // not a bundle
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
