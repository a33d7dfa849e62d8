import type { MqttClient } from 'mqtt';
import { systemClock, type Clock } from '../../drivers/clock.js';
import { describeConnectionProblem } from '../../drivers/mqtt/connection-problem.js';
import { isDeviceLost, isDeviceStatus, seenStatus, type DeviceStatus } from './device-status.js';
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
  /** Devices whose Last Will stands (published by the broker, not yet cleared by the device connecting again). */
  readonly lost = new Set<string>();
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
    /** Timers and waits of the commands built on it (a test moves a ManualClock). */
    readonly clock: Clock = systemClock,
  ) {
    this.topics = new FleetTopics(prefix);
  }

  /** Connects and reads what is retained; rejects when the broker cannot be reached within `timeoutMs`. */
  async open(timeoutMs = 10_000): Promise<MqttClient> {
    const client = connectFleet(this.broker, { clean: true, reconnectPeriod: 1_000 });
    this.client = client;
    client.on('message', (topic, payload) => this.receive(topic, payload));
    // Why the attempts failed (refused login, untrusted certificate …), for the message if none succeeds.
    let problem: string | undefined;
    client.on('error', (error) => (problem = describeConnectionProblem(error)));
    await new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        // Or the client, retrying, would keep the command from exiting.
        client.end(true);
        this.client = undefined;
        reject(new Error(`cannot reach the fleet broker ${this.broker.brokers.join(', ')} within ${timeoutMs / 1000} s${problem === undefined ? '' : `: ${problem}`}`));
      }, timeoutMs);
      client.once('connect', () => (this.clock.clearTimer(timer), resolve()));
    });
    this.lastMessageAt = this.clock.monotonic();
    // At QoS 0: the directory reads what is retained and follows what comes while it runs (a status is sent again
    // every status_interval), and on NATS a QoS 0 subscription needs no JetStream consumer of its own, which a
    // cluster that lost a node refuses while it elects new leaders (tens of seconds on a busy machine). A refused
    // subscription is tried again until the time is up; then the command gives up and closes, or the retrying client
    // would keep it alive.
    for (const deadline = this.clock.monotonic() + timeoutMs; ; ) {
      try {
        await client.subscribeAsync([this.topics.allStatuses, this.topics.allLost, this.topics.allBundles], { qos: 0 });
        break;
      } catch (error) {
        if (this.clock.monotonic() > deadline) {
          client.end(true);
          this.client = undefined;
          throw new Error(`the fleet broker refused the subscription to the fleet topics for ${timeoutMs / 1000} s: ${(error as Error).message}`);
        }
        await this.clock.sleep(1_000);
      }
    }
    // Retained messages arrive right after the subscription; wait until they stop coming.
    while (this.clock.monotonic() - this.lastMessageAt < SETTLE_MS) await this.clock.sleep(50);
    return client;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await Promise.race([client.endAsync(false), this.clock.sleep(1_000)]).then(() => client.end(true));
  }

  /** Calls `listener` after each status received, until the returned function is called. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Devices in `group` (all without one), by id; offline while their Last Will stands. */
  members(group?: string): DeviceStatus[] {
    return [...this.devices.values()]
      .map((entry) => seenStatus(entry.status, this.lost.has(entry.status.device)))
      .filter((status) => group === undefined || status.groups.includes(group))
      .sort((a, b) => a.device.localeCompare(b.device));
  }

  /** When the status of `device` was last received: wall time, ms. */
  receivedAt(device: string): number | undefined {
    return this.devices.get(device)?.receivedAt;
  }

  /** One message from the broker: a status or a bundle (public so tests can feed messages without a broker). */
  receive(topic: string, payload: Buffer): void {
    this.lastMessageAt = this.clock.monotonic();
    const lostDevice = this.topics.deviceOfLost(topic);
    if (lostDevice !== undefined) return this.takeLost(lostDevice, payload);
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
      this.devices.set(device, { status: json, receivedAt: this.clock.now() });
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

  /** A Last Will (the device lost its connection) or its clearing (an empty message: the device connected again). */
  private takeLost(device: string, payload: Buffer): void {
    let json: unknown;
    try {
      json = payload.length === 0 ? undefined : JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    if (isDeviceLost(json) && json.device === device) this.lost.add(device);
    else if (json === undefined) this.lost.delete(device);
    else return;
    for (const listener of this.listeners) listener();
  }
}
