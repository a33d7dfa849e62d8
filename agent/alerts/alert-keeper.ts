import type { DriverContext } from '../../drivers/driver.js';
import { systemClock, type Clock, type ClockTimer } from '../../drivers/clock.js';
import type { GpioPortFactory } from '../../drivers/gpio/gpio-port.js';
import type { AlertTrackerSnapshot } from '../../rules/anomaly/alert-tracker.js';
import type { AlertAcknowledgement, ForgottenAlert, GroupModelEvent, LiveAlert, RuleEngine } from '../../rules/rule-engine.js';
import type { AlertResult } from '../../rules/rule-result.js';
import type { RuleSpec } from '../../rules/rule-spec.js';
import type { DriverInstance } from '../config/load-config.js';
import type { Logger } from '../logger.js';
import type { AlertAcknowledger } from './alert-acknowledgement.js';
import { AlertActions } from './alert-actions.js';
import { AlertStateStore } from './alert-state-store.js';
import { MqttAlertCommands } from './mqtt-alert-commands.js';
import { settledAlerts } from './settled-alerts.js';

export interface AlertKeeperOptions {
  /** The engine whose rules hold the alerts; replaced rules stay in the same engine. */
  readonly engine: RuleEngine;
  readonly log: Logger;
  readonly now: () => number;
  /** Timers and monotonic time, for writing at most once per `spillAfterMs` (default: the system's). */
  readonly clock?: Clock;
  /** alert-state.sqlite in the data dir. */
  readonly file: string;
  /**
   * `buffer.spill_after`: above 0, memory first, alert state is saved at most once per this (see `save`), the same
   * bound on what a power cut can lose as for results; 0, every change is saved as it happens.
   */
  readonly spillAfterMs: number;
  /** How GPIO lines of alert actions are opened; tests pass a fake. */
  readonly gpioPortFactory?: () => Promise<GpioPortFactory>;
  /** An acknowledgement made a transition: hand it over now rather than at the next tick. */
  readonly handOver: () => void;
}

/**
 * Alert keeping beside the pipeline: pending and firing alerts kept across restarts (alert-state.sqlite), with the
 * models groups of `anomaly: { across }` learnt, local actions on transitions (GPIO), and acknowledgements from the
 * health server and the MQTT command topic. The agent hands it every alert transition and calls `save` with each
 * buffer commit; `open` and `close` bracket a run.
 */
export class AlertKeeper implements AlertAcknowledger {
  private readonly store: AlertStateStore;
  private readonly actions: AlertActions;
  /** The MQTT command topic for acknowledging alerts, when an MQTT sink or source names a broker. */
  private commands: MqttAlertCommands | undefined;
  /** An alert changed state since alert state was last saved. */
  private changed = false;
  /** `settledAlerts` of what alert-state.sqlite holds: saving can wait while only pending alerts change. */
  private savedSettled: string | undefined;
  /** When alert state was last written (ms of monotonic time), to write at most once per `spillAfterMs`. */
  private lastSavedAt = Number.NEGATIVE_INFINITY;
  private get clock(): Clock {
    return this.options.clock ?? systemClock;
  }
  /** Saves what changed once `spillAfterMs` has passed since the last save (or retries a failed one). */
  private saveTimer: ClockTimer | undefined;
  /** A group's model was learnt or dropped since group models were last saved. */
  private modelsChanged = false;
  /** Rules with group models in the file: none and none to save, nothing is written. */
  private storedModels = 0;

  constructor(private readonly options: AlertKeeperOptions) {
    this.store = new AlertStateStore(options.file);
    this.actions = new AlertActions(options.log, options.gpioPortFactory, this.clock);
  }

  /** Where alert state is kept. */
  get file(): string {
    return this.store.file;
  }

  /**
   * Brings back the alerts that were pending or firing when the agent stopped, so a restart neither re-fires a firing
   * alert nor forgets a pending one, and switches their outputs on again.
   */
  async open(rules: readonly RuleSpec[]): Promise<void> {
    const { engine, log } = this.options;
    const saved = this.store.open();
    // Models first: the alerts restored next belong to groups that then already watch with what they learnt.
    const models = this.store.models();
    this.storedModels = models.size;
    for (const { rule, reason } of engine.importModels(models)) {
      log.warn({ rule, reason }, `saved group models of rule ${rule} not used (${reason}); its groups learn afresh`);
    }
    let groups = 0;
    for (const snapshot of engine.exportModels().values()) groups += (snapshot as { groups: unknown[] }).groups.length;
    if (groups > 0) log.info({ groups }, 'what groups of sensors learnt restored: they watch (or learn on) from where they were');
    for (const problem of engine.importAlerts(saved)) {
      log.error(problem, 'saved alert state of this rule is unusable; its alerts start afresh');
    }
    await this.actions.open(rules);
    for (const [rule, snapshot] of engine.exportAlerts()) {
      for (const alert of (snapshot as AlertTrackerSnapshot).alerts) {
        if (alert.lifecycle.state === 'firing') await this.actions.transition({ rule, source: alert.source, sensor: alert.sensor, state: 'firing' });
      }
    }
    this.savedSettled = settledAlerts(engine.exportAlerts());
    let restored = 0;
    for (const snapshot of engine.exportAlerts().values()) restored += (snapshot as AlertTrackerSnapshot).alerts.length;
    if (restored > 0) log.info({ alerts: restored }, 'pending and firing alerts restored');
  }

  /** Listens for acknowledgements on the broker of the first MQTT sink (else source), if there is one. */
  listen(sinks: readonly DriverInstance[], sources: readonly DriverInstance[], agentName: string, context: () => DriverContext): void {
    const broker = MqttAlertCommands.brokerOf(sinks, sources);
    if (!broker) return;
    this.commands = new MqttAlertCommands(broker, agentName, this, context());
    this.commands.start();
  }

  /** Stops listening for acknowledgements: first in a stop, before the sources. */
  async stopListening(): Promise<void> {
    await this.commands?.stop();
  }

  /** An alert transition on its way to the buffer: its outputs follow it, and alert state is to be saved. */
  transition(result: AlertResult): void {
    this.changed = true;
    void this.actions.transition(result);
  }

  /** A resolved alert of a silent sensor was forgotten by its rule: its saved state goes with the next save. */
  forgotten(_alert: ForgottenAlert): void {
    this.changed = true;
  }

  /**
   * A group learnt how its sensors move together, or dropped what it learnt (acknowledged): its model is saved with
   * the next commit, so a restart does not learn it again (or does not bring back one a person set aside).
   */
  modelChanged(event: GroupModelEvent): void {
    this.modelsChanged = true;
    const { rule, source, sensor: group, components } = event;
    if (event.learnt) this.options.log.info({ rule, source, group, components }, 'group learnt how its sensors move together; what it learnt is saved');
  }

  /**
   * Saves alert state when an alert changed. Memory first (`buffer.spill_after` above 0): only when an alert went
   * firing, resolved or was acknowledged, or at stop (`always`); changes of pending alerts alone wait for that. And
   * at most once per `spill_after`: a change within it of the last save is saved when it has passed, together with
   * every change since (a flapping alert writes once per interval, not at each transition). So a power cut loses at
   * most the last `spill_after` of transitions, and a firing alert once saved never fires again after a restart.
   * With `0s`: every change, as it happens.
   */
  save(always = false): void {
    if (this.modelsChanged) this.saveModels();
    if (!this.changed) return;
    const { engine, log, now, spillAfterMs } = this.options;
    // Already due at a time of its own: the commits in between need not look.
    if (!always && this.saveTimer !== undefined) return;
    const states = engine.exportAlerts();
    const settled = settledAlerts(states);
    if (!always && spillAfterMs > 0) {
      if (settled === this.savedSettled) return;
      const wait = this.lastSavedAt + spillAfterMs - this.clock.monotonic();
      if (wait > 0) return this.saveIn(wait);
    }
    this.clock.clearTimer(this.saveTimer);
    this.saveTimer = undefined;
    try {
      this.store.save(states, now());
      this.savedSettled = settled;
      this.changed = false;
      this.lastSavedAt = this.clock.monotonic();
    } catch (error) {
      log.error({ error: (error as Error).message }, 'alert state could not be saved; retrying');
      // Also when no commit comes: an alert that fired and then stayed quiet must still reach the disk.
      if (!always) this.saveIn(Math.max(1_000, spillAfterMs));
    }
  }

  /**
   * Writes every group's model and learning progress: rarely (a model learnt or dropped, and at stop), as a model is
   * p + p² numbers per group and learning changes it at every row.
   */
  private saveModels(): void {
    const { engine, log, now } = this.options;
    const models = engine.exportModels();
    this.modelsChanged = false;
    if (models.size === 0 && this.storedModels === 0) return;
    try {
      this.store.saveModels(models, now());
      this.storedModels = models.size;
    } catch (error) {
      this.modelsChanged = true;
      log.error({ error: (error as Error).message }, 'group models could not be saved; retrying with the next commit');
    }
  }

  private saveIn(ms: number): void {
    this.saveTimer ??= this.clock.setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, ms);
  }

  /**
   * A person acknowledged a firing alert (`tributary alerts ack`, the health server, the MQTT command topic): it
   * resolves with resolution `acknowledged`, and the transition goes to the sinks at once. `via` is for the log.
   */
  acknowledgeAlert(rule: string, sensor: string, source: string | undefined, via: string): AlertAcknowledgement {
    const { engine, log, now } = this.options;
    const outcome = engine.acknowledgeAlert(rule, sensor, source, now());
    if (outcome.ok) {
      log.info({ rule, source: outcome.result.source, sensor, via }, 'alert acknowledged');
      this.options.handOver();
    } else {
      log.info({ rule, source, sensor, via, reason: outcome.reason }, `alert not acknowledged: ${outcome.message}`);
    }
    return outcome;
  }

  /** Alerts pending or firing, and acknowledged ones whose condition still holds, for the health report. */
  liveAlerts(): LiveAlert[] {
    return this.options.engine.liveAlerts();
  }

  /** Saves what changed since the last save, closes the file and switches the outputs off: last in a stop. */
  async close(): Promise<void> {
    this.clock.clearTimer(this.saveTimer);
    this.saveTimer = undefined;
    // Learning progress too: a group half way through its learning period carries on from there.
    this.saveModels();
    this.save(true);
    this.store.close();
    await this.actions.close();
  }
}
