import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { systemClock, type Clock, type ClockTimer } from '../drivers/clock.js';
import type { ClockStamp, DriverContext, SinkDriver } from '../drivers/driver.js';
import { SINK_DRIVERS, SOURCE_DRIVERS } from '../drivers/registry.js';
import type { RuleCounters } from '../rules/compiled-rule.js';
import type { Reading } from '../rules/reading.js';
import { type AlertAcknowledgement, type ForgottenAlert, type LiveAlert, RuleEngine } from '../rules/rule-engine.js';
import type { RuleResult } from '../rules/rule-result.js';
import { BadInputLog } from './bad-input-log.js';
import { RuleErrorLog } from './rule-error-log.js';
import { DataDirLock } from './buffer/data-dir-lock.js';
import { Outbox } from './buffer/outbox.js';
import type { TributaryConfig } from './config/load-config.js';
import type { GpioPortFactory } from '../drivers/gpio/gpio-port.js';
import { AlertKeeper } from './alerts/alert-keeper.js';
import { HISTORY_FILE } from './history/history-file.js';
import { HistoryKeeper } from './history/history-keeper.js';
import { LocalHistory } from './history/local-history.js';
import { ClockSupervisor } from './clock/clock-supervisor.js';
import { Forwarder } from './forwarding/forwarder.js';
import type { BufferView } from './health/health-view.js';
import { PipelineTap } from './health/pipeline-tap.js';
import { RuleRouting } from './forwarding/rule-routing.js';
import type { Logger } from './logger.js';
import { ruleSpecOf } from './reload/config-changes.js';
import { reloadRules, warnUnboundedWindows, type ReloadOutcome } from './reload/reload-rules.js';
import { SupervisedSource, type SourceStatus } from './sources/supervised-source.js';
import { SourceTimestampCheck, sourceTimestampPolicy } from './sources/source-timestamp-check.js';

export type { ReloadOutcome } from './reload/reload-rules.js';

/**
 * How long a stop lets the sinks send and acknowledge what is pending (the results of the last tick among them). With
 * sources and sinks closing around it, the agent still stops within the 5 s the README promises.
 */
const STOP_DRAIN_MS = 2_500;

export interface AgentOptions {
  readonly log: Logger;
  /** Timers and time for the agent and its drivers (default: the system's); tests pass a ManualClock. */
  readonly clock?: Clock;
  /** Wall-clock time in ms, when a test sets it apart from `clock` (default: `clock.now`). */
  readonly now?: () => number;
  /**
   * Monotonic time in ms since boot, to notice steps of the wall clock (default: `clock.monotonic`). Injectable with
   * `now`; a test that injects `now` alone moves time as it likes, so steps are not looked for.
   */
  readonly monotonic?: () => number;
  /** Where this boot's id is read (default /proc/sys/kernel/random/boot_id); tests give a file of their own. */
  readonly bootIdFile?: string;
  /** Overrides `agent.data_dir` from the config (the systemd unit points it at the state directory). */
  readonly dataDir?: string;
  /** How GPIO lines of alert actions are opened; tests pass a fake, as GPIO hardware cannot exist there. */
  readonly gpioPortFactory?: () => Promise<GpioPortFactory>;
}

/** Whether each source and sink is reachable, as its driver last said. */
interface ConnectionState {
  connected: boolean;
  reason: string | undefined;
}

/**
 * Wires the pipeline source → rules → buffer → sink and runs it. `start()` brings parts up in that order's reverse
 * (buffer, sinks, engine, then sources), `stop()` takes them down sources first, so no reading arrives at a part
 * that is already closed.
 */
export class Agent {
  readonly outbox: Outbox;
  readonly badInput: BadInputLog;
  /** Readings and results as they pass, for metrics and `tributary tail`. */
  readonly tap = new PipelineTap();
  /** Why the last buffer commit failed, until one succeeds again: the buffer is not writable. */
  private commitFault: string | undefined;
  private readonly connections = new Map<string, ConnectionState>();
  private readonly now: () => number;
  private readonly log: Logger;
  /** Part of every result's id and the source of the agent's events: the host name. */
  private readonly agentName = hostname();
  private readonly engine: RuleEngine;
  private readonly ruleErrors: RuleErrorLog;
  /** The engine's error total at the last look: the counters are read only when it changed. */
  private ruleErrorTotal = 0;
  private readonly routing: RuleRouting;
  /** The config running: as started, with the rules of the last successful reload. */
  private running: TributaryConfig;
  private readonly sources: { name: string; driver: SupervisedSource }[] = [];
  private readonly sinks: { name: string; driver: SinkDriver }[] = [];
  private readonly forwarders: Forwarder[] = [];
  /** The agent's and drivers' timers. */
  private readonly timers: Clock;
  private tickTimer: ClockTimer | undefined;
  private checkpointTimer: ClockTimer | undefined;
  private immediateTick: NodeJS.Immediate | undefined;
  private stopped = false;
  /** Synchronisation, steps and segments of the system clock; undefined when a test moves wall time itself. */
  private readonly clock: ClockSupervisor | undefined;
  private commitTimer: ClockTimer | undefined;
  /** Wakes the buffer when the oldest result sent from memory is due to be written (`buffer.spill_after`). */
  private spillTimer: ClockTimer | undefined;
  /** When the buffer last committed (ms of monotonic time), to group commits. */
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  /** Readings and results kept for `tributary query`. */
  private readonly history: HistoryKeeper;
  /** Held from start to stop: one agent per data dir. */
  private readonly dataDirLock: DataDirLock;
  /** Pending and firing alerts kept across restarts, their GPIO outputs, acknowledgements. */
  private readonly alerts: AlertKeeper;
  private readings = 0;
  private results = 0;

  constructor(config: TributaryConfig, options: AgentOptions) {
    this.running = config;
    this.log = options.log;
    this.timers = options.clock ?? systemClock;
    this.now = options.now ?? this.timers.now;
    this.badInput = new BadInputLog(this.log, this.now);
    this.ruleErrors = new RuleErrorLog(this.log, this.now);
    this.dataDirLock = new DataDirLock(resolve(options.dataDir ?? config.agent.data_dir));
    this.outbox = new Outbox(resolve(options.dataDir ?? config.agent.data_dir, 'buffer.sqlite'), {
      synchronous: config.buffer.synchronous,
      maxResults: config.buffer.max_results,
      maxBytes: config.buffer.max_bytes,
      maxQuarantined: config.buffer.max_quarantined,
      spillAfterMs: config.buffer.spill_after,
      // The agent's clock, as its commit timer: a test that moves time ages the results in memory with it.
      monotonic: this.timers.monotonic,
      agentName: this.agentName,
      // A full buffer degrades the oldest backlog: say what it gave up, every time.
      onTrim: (report) =>
        this.log.warn(
          { ...report, buffer: this.outbox.size },
          report.dropped + report.droppedPriority > 0
            ? 'buffer full: compacted old windows and dropped the oldest undelivered results'
            : 'buffer full: compacted old windows into coarser ones',
        ),
    });
    this.engine = new RuleEngine(config.rules.map(ruleSpecOf), {
      forgetSilentMs: config.agent.forget_silent_sensors,
      alertForgotten: (alert) => this.alertForgotten(alert),
      groupModelChanged: (event) => {
        this.alerts.modelChanged(event);
        this.scheduleCommit();
      },
    });
    const history = new LocalHistory(resolve(options.dataDir ?? config.agent.data_dir, HISTORY_FILE), {
      readingsMs: config.history.readings,
      resultsMs: config.history.results,
      synchronous: config.history.synchronous,
    });
    this.history = new HistoryKeeper(history, { log: this.log, clock: this.timers, now: this.now, flushIntervalMs: config.history.flush_interval });
    this.alerts = new AlertKeeper({
      engine: this.engine,
      log: this.log,
      now: this.now,
      clock: this.timers,
      file: resolve(options.dataDir ?? config.agent.data_dir, 'alert-state.sqlite'),
      spillAfterMs: config.buffer.spill_after,
      ...(options.gpioPortFactory ? { gpioPortFactory: options.gpioPortFactory } : {}),
      handOver: () => {
        if (!this.stopped) this.tick();
      },
    });
    if (options.now === undefined || options.monotonic !== undefined) {
      this.clock = new ClockSupervisor({
        log: this.log,
        now: this.now,
        monotonic: options.monotonic ?? this.timers.monotonic,
        bootIdFile: options.bootIdFile,
        timers: this.timers,
        settings: () => this.running.time,
        segments: this.outbox,
        agentName: this.agentName,
        stepped: (stepMs) => this.engine.clockStepped(stepMs, this.now()),
        keep: (result, clock) => this.keep(result, clock),
        synchronised: () => {
          for (const forwarder of this.forwarders) forwarder.wake();
        },
      });
    }
    this.routing = new RuleRouting(config.sinks.map((sink) => sink.name), config.rules);
  }

  /** The config running: sources, sinks and settings as started, rules as last reloaded. */
  get config(): TributaryConfig {
    return this.running;
  }

  async start(): Promise<void> {
    const { config } = this;
    // First: a second agent on this data dir stops here, before it touches the buffer.
    this.dataDirLock.acquire(this.now());
    const opened = this.outbox.open(config.sinks.map((sink) => sink.name), this.now());
    if (opened.movedAside) {
      this.log.error(
        { buffer: this.outbox.file, movedTo: opened.movedAside, error: opened.reason },
        'buffer file was unreadable (corrupt); moved it aside and started an empty buffer: its undelivered results are not sent',
      );
    }
    this.log.info({ buffer: this.outbox.file, backlog: this.outbox.backlog(), size: this.outbox.size }, 'buffer open');
    warnUnboundedWindows(config.rules, this.log);
    // Before anything is made: whether results can carry their times as they are, or wait to be re-dated.
    await this.clock?.start();
    await this.alerts.open(this.running.rules);
    this.history.open();

    for (const instance of config.sinks) {
      const create = await SINK_DRIVERS[instance.driver]!.load();
      const driver = create(instance.options, this.contextFor(instance.name, 'sink'));
      await driver.start();
      this.sinks.push({ name: instance.name, driver });
      const forwarder = new Forwarder(instance.name, driver, this.outbox, this.routing.rulesOf(instance.name), {
        batchSize: config.forwarding.batch_size,
        retryInitialMs: config.forwarding.retry_initial,
        retryMaxMs: config.forwarding.retry_max,
        backfillAfterMs: config.forwarding.backfill_after,
        agentName: this.agentName,
        now: this.now,
        clock: this.timers,
        emitEvent: (event) => this.keep(event),
        ...(this.clock?.hold ? { time: this.clock.hold } : {}),
      }, this.log);
      forwarder.start();
      this.forwarders.push(forwarder);
    }

    this.alerts.listen(config.sinks, config.sources, this.agentName, () => {
      const { setConnected: _unused, ...context } = this.contextFor('alert-commands', 'source');
      return { ...context, setConnected: () => {} };
    });

    this.tickTimer = this.timers.setInterval(() => this.tick(), config.agent.tick);
    this.checkpointTimer = this.timers.setInterval(() => this.checkpoint(), config.buffer.checkpoint_interval);
    this.history.start();
    this.clock?.startChecking();

    const emit = (reading: Reading) => this.accept(reading);
    for (const instance of config.sources) {
      const create = await SOURCE_DRIVERS[instance.driver]!.load();
      const { setConnected: _unused, ...context } = this.contextFor(instance.name, 'source');
      const source = new SupervisedSource({
        name: instance.name,
        driver: instance.driver,
        create: (supervisedContext) => create(instance.options, supervisedContext),
        context,
        log: this.log,
        emit,
        now: this.now,
        timestamps: this.timestampCheckFor(instance.name, instance.options),
      });
      await source.start();
      this.sources.push({ name: instance.name, driver: source });
    }
    this.log.info(
      { sources: this.sources.map((s) => s.name), rules: config.rules.map((r) => r.name), sinks: this.sinks.map((s) => s.name) },
      'agent running',
    );
  }

  /**
   * Stops sources, lets the rules emit what is due, commits, gives the sinks up to `STOP_DRAIN_MS` to send and
   * acknowledge what is pending, then closes everything.
   */
  async stop(): Promise<void> {
    // Once: a second stop (a test's cleanup, a second signal) finds everything closed already.
    if (this.stopped) return;
    this.stopped = true;
    this.timers.clearTimer(this.tickTimer);
    this.timers.clearTimer(this.checkpointTimer);
    this.history.stop();
    clearImmediate(this.immediateTick);
    this.clock?.stop();
    await this.alerts.stopListening();
    for (const { driver } of [...this.sources].reverse()) await driver.stop();
    this.tick();
    this.timers.clearTimer(this.commitTimer);
    this.timers.clearTimer(this.spillTimer);
    this.commitTimer = undefined;
    this.outbox.commit(this.now());
    await Promise.all(this.forwarders.map((forwarder) => forwarder.stop(STOP_DRAIN_MS)));
    for (const { name, driver } of [...this.sinks].reverse()) {
      await driver.stop().catch((error: unknown) => this.log.warn({ sink: name, error: String(error) }, 'sink did not stop cleanly'));
    }
    this.outbox.close(this.now());
    await this.alerts.close();
    this.history.close();
    this.dataDirLock.release();
    this.log.info({ backlog: this.outbox.backlog() }, 'agent stopped; buffer closed');
  }

  /**
   * Reads the config file again and swaps in its rules at once (see `reloadRules`); changes to sources, sinks and
   * the other sections need a restart. An invalid file changes nothing; its problems are logged and returned.
   */
  reload(): ReloadOutcome {
    const { outcome, running } = reloadRules(this.running, {
      engine: this.engine,
      routing: this.routing,
      log: this.log,
      // Hand over what the running rules have made up to now, so only windows still open are lost to a swap.
      handOver: () => this.outbox.isOpen && this.tick(),
    });
    this.running = running;
    return outcome;
  }

  /** Checks the timestamps a source's input carries against the local clock, as `timestamps:` and `time:` say. */
  private timestampCheckFor(source: string, driverOptions: unknown): SourceTimestampCheck {
    const policy = sourceTimestampPolicy(this.running.time.source_timestamps, driverOptions);
    return new SourceTimestampCheck(source, policy, () => this.clockSynchronised, {
      skewed: (kind, message, context) => this.badInput.report(source, kind, message, context, 'skewed timestamp'),
      info: (context, message) => this.log.info(context, message),
    });
  }

  /** Readings accepted since start. */
  get readingsIn(): number {
    return this.readings;
  }

  /** Results made since start (the agent's own among them). */
  get resultsOut(): number {
    return this.results;
  }

  /** What health reads of the buffer. */
  get buffer(): BufferView {
    return this.outbox;
  }

  /** Why the last buffer commit failed, until one succeeds again: the buffer is not writable. */
  get bufferFault(): string | undefined {
    return this.commitFault;
  }

  /** What a sink last said of its connection; undefined for one that never said (the console). */
  sinkConnection(sink: string): Readonly<ConnectionState> | undefined {
    return this.connections.get(`sink:${sink}`);
  }

  /** Each source's state and counters: up or down and why, readings, rejections, reconnects, last reading. */
  sourceStatus(): SourceStatus[] {
    return this.sources.map(({ driver }) => driver.status());
  }

  /** Per-sink delivery counters. */
  forwarderStats() {
    return this.forwarders.map((forwarder) => ({ sink: forwarder.sinkName, ...forwarder.stats }));
  }

  /**
   * A person acknowledged a firing alert (`tributary alerts ack`, the health server, the MQTT command topic): it
   * resolves with resolution `acknowledged`, and the transition goes to the sinks at once. `via` is for the log.
   */
  acknowledgeAlert(rule: string, sensor: string, source: string | undefined, via: string): AlertAcknowledgement {
    return this.alerts.acknowledgeAlert(rule, sensor, source, via);
  }

  /** Alerts pending or firing, and acknowledged ones whose condition still holds, for the health report. */
  liveAlerts(): LiveAlert[] {
    return this.alerts.liveAlerts();
  }

  /** Each rule's counters (results, rule errors …), since the rule was compiled: a reload keeps an unchanged rule's. */
  ruleCounters(): RuleCounters[] {
    return this.engine.counters();
  }

  private accept(reading: Reading): void {
    if (!Number.isFinite(reading.value) || !Number.isFinite(reading.timestamp)) {
      this.badInput.report(reading.source, 'not-a-number', `${reading.sensor}: value ${reading.value} at ${reading.timestamp} is not a finite number`);
      return;
    }
    this.clock?.watch();
    this.readings += 1;
    this.tap.reading(reading);
    this.history.reading(reading);
    this.engine.push(reading, this.now());
    // A reading passed on or an alert transition goes out now, not up to a tick later; windows wait for time anyway.
    if (this.engine.resultsWaiting && this.immediateTick === undefined) {
      this.immediateTick = setImmediate(() => {
        this.immediateTick = undefined;
        if (!this.stopped) this.tick();
      });
    }
  }

  private tick(): void {
    this.clock?.watch();
    const errors = this.engine.errorTotal();
    if (errors !== this.ruleErrorTotal) {
      this.ruleErrorTotal = errors;
      this.ruleErrors.check(this.engine.counters());
    }
    const results = this.engine.advance(this.now());
    if (results.length === 0) return;
    for (const result of results) this.keep(result);
  }

  /**
   * A sensor silent for `agent.forget_silent_sensors` whose alert had resolved was forgotten by its rule: its saved
   * state and its `tributary_alert_state` series go too, so neither grows with every sensor that ever alerted.
   */
  private alertForgotten(alert: ForgottenAlert): void {
    this.alerts.forgotten(alert);
    this.scheduleCommit();
    this.tap.alertForgotten(alert);
  }

  private checkpoint(): void {
    try {
      this.outbox.checkpoint();
    } catch (error) {
      this.log.warn({ error: (error as Error).message }, 'buffer checkpoint failed; the write-ahead log keeps everything until the next one');
    }
  }

  /** The agent's own results (its metrics as readings): buffered and sent like every other result. */
  recordOwn(result: RuleResult): void {
    this.keep(result);
  }

  /** Whether results carry their times as they are (true also when the clock is not watched, as in tests). */
  get clockSynchronised(): boolean {
    return this.clock?.isSynchronised ?? true;
  }

  /** Steps of the wall clock noticed since start. */
  get clockSteps(): number {
    return this.clock?.steps ?? 0;
  }

  /** The agent's name in its results and events: the host name. */
  get name(): string {
    return this.agentName;
  }

  /** The local history's file, for readers beside the agent (the live page). */
  get historyFile(): string {
    return this.history.file;
  }

  /** Buffers a result; `clock` is where its times were stamped (default: now), for re-dating once synchronised. */
  private keep(result: RuleResult, clock: ClockStamp | undefined = this.clock?.stamp()): void {
    if (result.kind === 'alert') this.alerts.transition(result);
    this.results += 1;
    this.tap.result(result);
    this.history.result(result);
    // Made while the clock was not synchronised: the buffer keeps where its times were stamped, for re-dating.
    this.outbox.append(result, clock);
    this.scheduleCommit();
  }

  /**
   * The first result after a quiet spell is committed at once (a reading passed on leaves without waiting); while
   * results keep coming, commits are grouped, at most one per `commit_interval`, to spare the SD card.
   */
  private scheduleCommit(): void {
    if (this.commitTimer !== undefined) return;
    const wait = Math.max(0, this.lastCommitAt + this.config.buffer.commit_interval - this.timers.monotonic());
    this.commitTimer = this.timers.setTimeout(() => this.commit(), wait);
  }

  private commit(): void {
    this.commitTimer = undefined;
    this.lastCommitAt = this.timers.monotonic();
    this.alerts.save();
    try {
      if (this.outbox.commit(this.now()) > 0) for (const forwarder of this.forwarders) forwarder.wake();
      // A sink down or refusing: what it has not confirmed goes to disk now, not spill_after later.
      if (this.aSinkIsDown()) this.outbox.spillAll();
      if (this.commitFault !== undefined) this.log.info({ buffer: this.outbox.file }, 'buffer commits again');
      this.commitFault = undefined;
      this.scheduleSpill();
    } catch (error) {
      // A full or failing disk must not kill the agent: keep the results queued and try again. Said once per cause.
      const message = (error as Error).message;
      if (this.commitFault !== message) this.log.error({ error: message }, 'buffer commit failed; retrying');
      this.commitFault = message;
      this.commitTimer = this.timers.setTimeout(() => this.commit(), Math.max(1_000, this.config.buffer.commit_interval));
    }
  }

  /** A sink reports no connection, or its last send failed: results it has not confirmed belong on disk. */
  private aSinkIsDown(): boolean {
    if (this.forwarders.some((forwarder) => forwarder.failing)) return true;
    // A sink that never reports its connection (console) has no reason and counts as up, as in /healthz.
    for (const [key, state] of this.connections) if (key.startsWith('sink:') && !state.connected && state.reason !== undefined) return true;
    return false;
  }

  /** Comes back when the oldest result sent from memory is due for the disk, also when no new results arrive. */
  private scheduleSpill(): void {
    if (this.spillTimer !== undefined || this.stopped) return;
    const wait = this.outbox.nextSpillIn();
    if (wait === undefined) return;
    this.spillTimer = this.timers.setTimeout(() => {
      this.spillTimer = undefined;
      // A commit already on its way spills too.
      if (this.commitTimer === undefined) this.commit();
    }, wait + 1);
  }

  private contextFor(name: string, kind: 'source' | 'sink'): DriverContext {
    const log = this.log.child({ [kind]: name });
    const state: ConnectionState = { connected: kind === 'source', reason: undefined };
    this.connections.set(`${kind}:${name}`, state);
    return {
      name,
      log,
      now: this.now,
      clock: this.timers,
      badInput: (kindOfInput, message, context) => this.badInput.report(name, kindOfInput, message, context),
      setConnected: (connected, reason) => {
        const cameBack = connected && !state.connected;
        state.connected = connected;
        state.reason = reason;
        // A sink reachable again sends its backlog now instead of when its backoff ends.
        if (cameBack && kind === 'sink') this.forwarders.find((forwarder) => forwarder.sinkName === name)?.sinkReachable();
        // One gone: what it has not confirmed (some of it perhaps in flight) is written now, not spill_after later.
        if (!connected && kind === 'sink' && this.outbox.isOpen && this.outbox.inMemoryCount > 0 && this.commitTimer === undefined) this.commit();
      },
    };
  }
}
