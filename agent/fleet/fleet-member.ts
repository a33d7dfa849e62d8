import type { MqttClient } from 'mqtt';
import { checkConfigFile, type TributaryConfig } from '../config/load-config.js';
import type { HealthReport } from '../health/health-report.js';
import type { Logger } from '../logger.js';
import type { OpenedBundle } from './config-bundle.js';
import { checkBundleConfig } from './bundle-check.js';
import { decideOnBundle } from './bundle-decision.js';
import type { ConfigVersions } from './config-versions.js';
import { bundleResult, changeKey, deviceStatus, lostMessage, offlineStatus, type BundleOutcome, type DeviceStatus } from './device-status.js';
import { type Clock, type ClockTimer, systemClock } from '../../drivers/clock.js';
import { describeConnectionProblem } from '../../drivers/mqtt/connection-problem.js';
import { keepSubscribed } from '../../drivers/mqtt/kept-subscription.js';
import { deviceIdOf, usernameOf, type FleetSettings } from './fleet-config.js';
import { connectFleet } from './fleet-connection.js';
import { parsePublicKey, type TrustedKey } from './fleet-keys.js';
import { FleetTopics } from './fleet-topics.js';
import { Probation } from './probation.js';

/** What the fleet member asks of the process that runs the agent. */
export interface FleetHost {
  /** The running agent's health; undefined while it restarts. */
  health(): HealthReport | undefined;
  /** Runs `config` (its file is already written): a reload when only rules differ, else a restart of the agent. */
  apply(config: TributaryConfig): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Runs the local config file again (after stepping back past the first pushed version). */
  applyLocal(): Promise<{ ok: true } | { ok: false; reason: string }>;
}

export interface FleetMemberOptions {
  readonly host: FleetHost;
  readonly versions: ConfigVersions;
  /** The device's own `fleet:` section as written, appended to every bundle's config. */
  readonly fleetText: string;
  readonly agentVersion: string;
  readonly log: Logger;
  readonly now?: () => number;
  /** The health checks' and the stop's timers (and `now` unless given); systemClock unless a test moves time. */
  readonly clock?: Clock;
}

/** How often health is looked at for a changed status and for probation (a report reads the buffer's file). */
const CHECK_MS = 1_000;
/** Wait before subscribing again after the broker refused the bundle topics. */
const SUBSCRIBE_RETRY_MS = 2_000;

/**
 * This agent as a device of the fleet: keeps its retained status up to date (with a Last Will that says it went
 * offline), takes signed config bundles for its groups and itself, checks, applies and reports them, and rolls a
 * version back by itself when the device gets less healthy during its probation.
 */
export class FleetMember {
  readonly device: string;
  private readonly topics: FleetTopics;
  private readonly trusted: TrustedKey[];
  private readonly now: () => number;
  private client: MqttClient | undefined;
  private timer: ClockTimer | undefined;
  private probation: Probation | undefined;
  /** A pushed version is installed and starting: statuses say it is on probation. */
  private applying = false;
  private lastChange: BundleOutcome | undefined;
  private lastKey = '';
  private lastSentAt = 0;
  /** Bundles are handled one at a time, in arrival order. */
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly settings: FleetSettings,
    private readonly options: FleetMemberOptions,
  ) {
    this.device = deviceIdOf(settings);
    this.topics = new FleetTopics(settings.topic_prefix);
    this.trusted = settings.trusted_keys.map(parsePublicKey);
    this.now = options.now ?? this.clock.now;
  }

  private get clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  start(): void {
    const { log } = this.options;
    const lostTopic = this.topics.lost(this.device);
    let client: MqttClient;
    try {
      client = connectFleet({ ...this.settings, username: usernameOf(this.settings) }, {
        clientId: `tributary-fleet-${this.device}`,
        clean: true,
        resubscribe: false,
        // On its own topic, so the retained status keeps the version the device ran when it was lost.
        will: { topic: lostTopic, payload: Buffer.from(lostMessage(this.device)), qos: 1, retain: true },
      });
    } catch (error) {
      // An unreadable TLS file: the device keeps running its config, outside the fleet, until the file is fixed.
      log.error({ error: `fleet.${(error as Error).message}` }, 'fleet: not connecting; the agent runs without the fleet');
      return;
    }
    if (this.settings.tls?.reject_unauthorized === false) log.warn({ broker: this.settings.brokers }, "fleet.tls.reject_unauthorized is false: the broker's certificate is not checked");
    // Once per outage, not once per retry: a wrong CA or password would otherwise fill the journal every second.
    let reportedDown = false;
    // Its own Last Will topic too: a Will published late, by a broker node that noticed the lost connection after
    // the device had connected to another, is cleared again.
    const subscriptions = [this.topics.deviceBundle(this.device), ...this.settings.groups.map((group) => this.topics.groupBundle(group)), lostTopic];
    client.on('connect', () => {
      reportedDown = false;
      log.info({ device: this.device, groups: this.settings.groups, broker: this.settings.brokers }, 'fleet: connected');
      this.clearLost(client);
      this.lastKey = '';
      this.publishStatus(true);
    });
    // At QoS 0: bundles are retained and only the newest counts, and the broker sends the newest of each topic at
    // every (re)subscription, so a device that lost its connection gets what it missed once it is back. On NATS a
    // QoS 1 subscription is a JetStream consumer per device, which a cluster refuses while electing leaders, and
    // through which a bundle was seen not to reach a device on another node (2 of 15 runs of the fleet tests); QoS 0
    // goes by the cluster's routes.
    // Tried again while connected when refused: a broker cluster that lost a node refuses for a few seconds.
    keepSubscribed(client, subscriptions, {
      qos: 0,
      retryMs: SUBSCRIBE_RETRY_MS,
      clock: this.clock,
      onRefused: (error) => log.warn({ error: error.message, retryInMs: SUBSCRIBE_RETRY_MS }, 'fleet: could not subscribe to the bundle topics; retrying'),
      onRecovered: () => log.info({}, 'fleet: subscribed to the bundle topics again'),
    });
    client.on('error', (error) => {
      if (reportedDown) return;
      reportedDown = true;
      const reason = describeConnectionProblem(error).replace(/\btls\./g, 'fleet.tls.');
      log.warn({ broker: this.settings.brokers, reason }, 'fleet: cannot connect to the broker; retrying in the background');
    });
    client.on('message', (topic, payload, packet) => {
      if (topic === lostTopic) {
        if (payload.length > 0 && client.connected) {
          log.info({ device: this.device }, 'fleet: a Last Will of an earlier connection stood; cleared');
          this.clearLost(client);
        }
        return;
      }
      this.queue = this.queue.then(() => this.handle(topic, payload, packet.retain)).catch((error: unknown) => log.error({ error: String(error) }, 'fleet: bundle handling failed'));
    });
    this.client = client;
    this.timer = this.clock.setInterval(() => this.check(), CHECK_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimer(this.timer);
    await this.queue;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    // A clean goodbye replaces the Last Will, which the broker then does not send.
    if (client.connected) await client.publishAsync(this.topics.status(this.device), JSON.stringify(this.offline('stopped')), { qos: 1, retain: true }).catch(() => undefined);
    await Promise.race([client.endAsync(false), new Promise((resolve) => this.clock.unref(this.clock.setTimeout(() => resolve(undefined), 1_000)))]);
    client.end(true);
  }

  /** An empty retained message removes the Will the broker may have published for an earlier connection. */
  private clearLost(client: MqttClient): void {
    client.publish(this.topics.lost(this.device), '', { qos: 1, retain: true });
  }

  /** The status now, for the status topic. */
  status(): DeviceStatus {
    return deviceStatus(this.base(), this.options.host.health(), {
      version: this.options.versions.running?.version ?? 0,
      previous: this.options.versions.previous?.version ?? 0,
      probation: this.applying || this.probation !== undefined,
      lastChange: this.lastChange,
    }, this.now());
  }

  private base() {
    return { device: this.device, groups: this.settings.groups, agent_version: this.options.agentVersion, interval_s: this.settings.status_interval / 1000 };
  }

  private offline(reason: string): DeviceStatus {
    return offlineStatus(this.base(), reason, this.options.versions.running?.version ?? 0, this.now());
  }

  /** Every CHECK_MS: probation, then the status if it changed or is due. */
  private check(): void {
    if (this.stopped) return;
    const probation = this.probation;
    const report = this.options.host.health();
    if (probation !== undefined && report !== undefined) {
      const now = this.now();
      const worse = probation.check(report, now);
      if (worse !== undefined) {
        this.probation = undefined;
        this.queue = this.queue.then(() => this.rollBack(`probation: ${worse}`, 'rolled-back'));
      } else if (probation.passed(now)) {
        this.probation = undefined;
        this.options.log.info({ version: this.options.versions.running?.version }, 'fleet: probation over; the version is good');
      }
    }
    this.publishStatus(false);
  }

  private publishStatus(force: boolean): void {
    const client = this.client;
    if (!client?.connected) return;
    const status = this.status();
    const key = changeKey(status);
    const due = this.now() - this.lastSentAt >= this.settings.status_interval;
    if (!force && !due && key === this.lastKey) return;
    this.lastKey = key;
    this.lastSentAt = this.now();
    client.publish(this.topics.status(this.device), JSON.stringify(status), { qos: 1, retain: true });
  }

  private report(outcome: Omit<BundleOutcome, 'at'>): void {
    const full = { ...outcome, at: new Date(this.now()).toISOString() };
    this.lastChange = full;
    const level = outcome.outcome === 'applied' ? 'info' : 'warn';
    this.options.log[level]({ ...full, device: this.device }, `fleet: bundle ${outcome.outcome}`);
    this.client?.publish(this.topics.result(this.device), bundleResult(this.device, full), { qos: 1 });
    this.publishStatus(true);
  }

  private async handle(topic: string, payload: Buffer, retained: boolean): Promise<void> {
    if (this.stopped) return;
    const { versions, log } = this.options;
    const decision = decideOnBundle(topic, payload, retained, { device: this.device, groups: this.settings.groups, topics: this.topics, trusted: this.trusted, running: versions.running?.version, highest: versions.highest });
    if (decision.kind === 'ignore') return log.debug({ topic, why: decision.why }, 'fleet: bundle ignored');
    if (decision.kind === 'reject') return this.report({ version: decision.version, outcome: 'rejected', reason: decision.reason });
    const bundle = decision.bundle;
    versions.seen(bundle.version);
    if (decision.kind === 'rollback') return this.rollBack(`rollback ordered by version ${bundle.version}`, 'rolled-back', bundle.version);
    return this.applyBundle(bundle);
  }

  private async applyBundle(bundle: OpenedBundle): Promise<void> {
    const { versions, host } = this.options;
    const checked = await checkBundleConfig(bundle.config!, bundle.tests, this.options.fleetText, `bundle v${bundle.version}`, versions.runningFile);
    if (!checked.ok) return this.report({ version: bundle.version, outcome: 'rejected', reason: checked.reason });
    const before = host.health();
    versions.install(bundle.version, bundle.digest, checked.text, bundle.restores);
    // A status sent while the agent starts on it names the new version, and must not say that version has passed
    // its probation (`fleet push --canary` would go on to the group at once).
    this.applying = true;
    let applied: Awaited<ReturnType<FleetHost['apply']>>;
    try {
      applied = await host.apply(checked.config);
    } finally {
      this.applying = false;
    }
    if (!applied.ok) return this.rollBack(`version ${bundle.version} did not start: ${applied.reason}`, 'rejected', bundle.version);
    this.probation = new Probation(before, this.now() + this.settings.probation);
    this.report({ version: bundle.version, outcome: 'applied', ...(bundle.restores === undefined ? {} : { reason: `group rollback: the config of version ${bundle.restores} again` }) });
  }

  /** Goes back to the version before the running one (or the local config file) and says so. */
  private async rollBack(reason: string, outcome: 'rolled-back' | 'rejected', version = this.options.versions.running?.version): Promise<void> {
    const { versions, host } = this.options;
    this.probation = undefined;
    if (versions.running === undefined) return this.report({ version, outcome, reason: `${reason}; nothing to roll back to: the local config file runs`, running: 0 });
    const back = versions.stepBack();
    let restored: { ok: true } | { ok: false; reason: string };
    if (back === undefined) {
      restored = await host.applyLocal();
    } else {
      restored = await this.applyRunningFile();
    }
    const running = back?.version ?? 0;
    this.report({ version, outcome, reason: restored.ok ? `${reason}; back to version ${running}` : `${reason}; going back to version ${running} failed too: ${restored.reason}`, running });
  }

  private async applyRunningFile(): Promise<{ ok: true } | { ok: false; reason: string }> {
    const checked = checkConfigFile(this.options.versions.runningFile);
    if (!checked.ok) return { ok: false, reason: `the kept version no longer validates here: ${checked.problems[0]?.message}` };
    return this.options.host.apply(checked.config);
  }
}
