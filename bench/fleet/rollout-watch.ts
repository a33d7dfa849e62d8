import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { isDeviceStatus, type DeviceStatus } from '../../agent/fleet/device-status.js';
import { FleetTopics } from '../../agent/fleet/fleet-topics.js';
import { BENCH_PREFIX } from './bench-configs.js';

/** Messages and bytes of the fleet's topic tree, by kind: each is one PUBLISH into the broker. */
export interface FleetTraffic {
  messages: number;
  bytes: number;
  bundle: number;
  result: number;
  status: number;
}

/**
 * The operator's connection in the fleet benchmark: it publishes the bundles and, subscribed to the whole fleet tree
 * (`<prefix>/#`), sees every message of a rollout once. It notes when each device's applied report arrives (its
 * result, or a status carrying the version, whichever comes first) and when its probation is over (a status with the
 * version and `probation: false`, what `fleet watch` counts as applied), by version, as `performance.now()` times.
 */
export class RolloutWatch {
  readonly topics = new FleetTopics(BENCH_PREFIX);
  readonly statuses = new Map<string, DeviceStatus>();
  private readonly applied = new Map<number, Map<string, number>>();
  private readonly settled = new Map<number, Map<string, number>>();
  private readonly refused = new Map<number, Map<string, string>>();
  private traffic: FleetTraffic | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => this.take(topic, payload));
  }

  static async open(url: string): Promise<RolloutWatch> {
    const client = await mqtt.connectAsync(url, { clientId: 'bench-fleet-operator', clean: true, reconnectPeriod: 1_000 });
    const watch = new RolloutWatch(client);
    await client.subscribeAsync(`${BENCH_PREFIX}/#`, { qos: 1 });
    return watch;
  }

  /** Starts counting the fleet tree's messages; `stopCounting` returns what came meanwhile. */
  startCounting(): void {
    this.traffic = { messages: 0, bytes: 0, bundle: 0, result: 0, status: 0 };
  }

  stopCounting(): FleetTraffic {
    const traffic = this.traffic!;
    this.traffic = undefined;
    return traffic;
  }

  appliedAt(version: number): Map<string, number> {
    return this.applied.get(version) ?? new Map();
  }

  settledAt(version: number): Map<string, number> {
    return this.settled.get(version) ?? new Map();
  }

  refusedBy(version: number): Map<string, string> {
    return this.refused.get(version) ?? new Map();
  }

  /**
   * Resolves once `done()` holds (checked on every message), or rejects after `timeoutMs` with `what()`, or with what
   * `done()` threw.
   */
  waitFor(done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        let finished: boolean;
        try {
          finished = done();
        } catch (error) {
          clearTimeout(timer);
          this.waiters.delete(check);
          return reject(error as Error);
        }
        if (!finished) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => (this.waiters.delete(check), reject(new Error(`timed out after ${timeoutMs / 1000} s: ${what()}`))), timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }

  private take(topic: string, payload: Buffer): void {
    const now = performance.now();
    const kind = topic.startsWith(`${BENCH_PREFIX}/bundle/`) ? 'bundle' : topic.startsWith(`${BENCH_PREFIX}/result/`) ? 'result' : 'status';
    if (this.traffic !== undefined) {
      this.traffic.messages++;
      this.traffic.bytes += payload.length;
      this.traffic[kind]++;
    }
    if (kind === 'bundle' || payload.length === 0) return;
    const message = JSON.parse(payload.toString('utf8')) as unknown;
    if (kind === 'result') {
      const result = message as { device: string; version?: number; outcome: string; reason?: string };
      if (result.version === undefined) return;
      if (result.outcome === 'applied') noteFirst(this.applied, result.version, result.device, now);
      else noteFirst(this.refused, result.version, result.device, `${result.outcome}: ${result.reason ?? ''}`);
    } else {
      if (!isDeviceStatus(message) || this.topics.deviceOfStatus(topic) !== message.device) return;
      this.statuses.set(message.device, message);
      const version = message.config_version ?? 0;
      if (message.online && version > 0) {
        noteFirst(this.applied, version, message.device, now);
        if (message.probation === false) noteFirst(this.settled, version, message.device, now);
      }
    }
    for (const waiter of [...this.waiters]) waiter();
  }
}

function noteFirst<T>(byVersion: Map<number, Map<string, T>>, version: number, device: string, value: T): void {
  let devices = byVersion.get(version);
  if (devices === undefined) byVersion.set(version, (devices = new Map()));
  if (!devices.has(device)) devices.set(device, value);
}
