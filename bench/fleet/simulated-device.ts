import type { MqttClient } from 'mqtt';
import { checkBundleConfig, fleetSectionText } from '../../agent/fleet/bundle-check.js';
import { decideOnBundle } from '../../agent/fleet/bundle-decision.js';
import { bundleResult, changeKey, deviceStatus, lostMessage, type BundleOutcome } from '../../agent/fleet/device-status.js';
import { connectFleet } from '../../agent/fleet/fleet-connection.js';
import { parsePublicKey, type TrustedKey } from '../../agent/fleet/fleet-keys.js';
import { FleetTopics } from '../../agent/fleet/fleet-topics.js';
import type { HealthReport } from '../../agent/health/health-report.js';
import { BENCH_GROUP, BENCH_PREFIX, benchDeviceConfig, type BenchDevice } from './bench-configs.js';

/**
 * One device of the fleet benchmark without an agent behind it: it speaks the fleet protocol as a real member does,
 * with the product's code — the same client options and Last Will, the same decision on each bundle (signature,
 * target, topic, version), the same check of the config and its rule tests with its own `fleet:` section, the same
 * result message and retained status — but applying a config costs it nothing (no agent to reload, no file to
 * write), and its health is always good. Its probation ends after the configured time.
 */
export class SimulatedDevice {
  readonly device: string;
  private readonly topics = new FleetTopics(BENCH_PREFIX);
  private readonly trusted: TrustedKey[];
  private readonly fleetText: string;
  private readonly probationMs: number;
  private readonly statusIntervalMs: number;
  private client: MqttClient | undefined;
  private running: number | undefined;
  private highest = 0;
  private probation = false;
  private lastChange: BundleOutcome | undefined;
  private lastKey = '';
  private readonly timers = new Set<NodeJS.Timeout>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly settings: BenchDevice) {
    this.device = settings.device;
    this.trusted = [parsePublicKey(settings.publicKey)];
    // Sliced from the device's config as a real device slices it from its file.
    this.fleetText = fleetSectionText(benchDeviceConfig(settings));
    this.probationMs = settings.probationMs;
    this.statusIntervalMs = settings.statusIntervalMs;
  }

  /** Resolves once connected and subscribed to its bundle topics. */
  start(): Promise<void> {
    const client = connectFleet({ brokers: [this.settings.brokerUrl] }, {
      clientId: `tributary-fleet-${this.device}`,
      clean: true,
      will: { topic: this.topics.lost(this.device), payload: Buffer.from(lostMessage(this.device)), qos: 1, retain: true },
    });
    this.client = client;
    client.on('message', (topic, payload, packet) => {
      this.queue = this.queue.then(() => this.handle(topic, payload, packet.retain)).catch((error: unknown) => void process.stderr.write(`${this.device}: ${String(error)}\n`));
    });
    const every = setInterval(() => this.publishStatus(true), this.statusIntervalMs);
    this.timers.add(every);
    return new Promise((resolve, reject) => {
      client.once('connect', () => {
        client.publish(this.topics.lost(this.device), '', { qos: 1, retain: true });
        this.publishStatus(true);
        client.subscribe([this.topics.deviceBundle(this.device), this.topics.groupBundle(BENCH_GROUP)], { qos: 0 }, (error) => (error ? reject(error) : resolve()));
      });
    });
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await this.client?.endAsync(true);
  }

  private base() {
    return { device: this.device, groups: [BENCH_GROUP], agent_version: 'simulated', interval_s: this.statusIntervalMs / 1000 };
  }

  private publishStatus(force: boolean): void {
    const status = deviceStatus(this.base(), HEALTHY, { version: this.running ?? 0, probation: this.probation, lastChange: this.lastChange }, Date.now());
    const key = changeKey(status);
    if (!force && key === this.lastKey) return;
    this.lastKey = key;
    this.client?.publish(this.topics.status(this.device), JSON.stringify(status), { qos: 1, retain: true });
  }

  private report(outcome: Omit<BundleOutcome, 'at'>): void {
    this.lastChange = { ...outcome, at: new Date().toISOString() };
    this.client?.publish(this.topics.result(this.device), bundleResult(this.device, this.lastChange), { qos: 1 });
    this.publishStatus(true);
  }

  private async handle(topic: string, payload: Buffer, retained: boolean): Promise<void> {
    const decision = decideOnBundle(topic, payload, retained, { device: this.device, groups: [BENCH_GROUP], topics: this.topics, trusted: this.trusted, running: this.running, highest: this.highest });
    if (decision.kind === 'ignore') return;
    if (decision.kind === 'reject') return this.report({ version: decision.version, outcome: 'rejected', reason: decision.reason });
    const bundle = decision.bundle;
    this.highest = bundle.version;
    if (decision.kind === 'rollback') return this.report({ version: bundle.version, outcome: 'rejected', reason: 'a simulated device keeps no versions to roll back to' });
    const checked = await checkBundleConfig(bundle.config!, bundle.tests, this.fleetText, `bundle v${bundle.version}`, `${this.device}/running.yaml`);
    if (!checked.ok) return this.report({ version: bundle.version, outcome: 'rejected', reason: checked.reason });
    this.running = bundle.version;
    this.probation = true;
    this.report({ version: bundle.version, outcome: 'applied' });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.probation = false;
      this.publishStatus(false);
    }, this.probationMs);
    this.timers.add(timer);
  }
}

/** The health of a device whose source and sink are up: what a simulated device reports. */
const HEALTHY: HealthReport = {
  status: 'ok',
  problems: [],
  pid: process.pid,
  uptime_s: 0,
  config: 'simulated',
  readings_in: 0,
  results_out: 0,
  sources: [{ name: 'sim', driver: 'simulator', up: true, reason: undefined, readings: 0, rejected: 0, reconnects: 0, last_reading_age_s: undefined }],
  buffer: { writable: true, reason: undefined, file: '', bytes: 0, free_bytes: undefined, queued: 0, dropped: 0 },
  sinks: [{ name: 'out', reachable: true, reason: undefined, pending: 0, oldest_pending_age_s: undefined, sent: 0, failures: 0, last_error: undefined }],
  alerts: [],
};
