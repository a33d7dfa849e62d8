import { compileAggregates } from './aggregates/compile-aggregates.js';
import { type AcknowledgeOutcome, AlertTracker, type AlertTrackerSnapshot, type ForgottenAlert, type LiveAlert } from './anomaly/alert-tracker.js';
import { GroupAlertTracker, type GroupModelEvent, type GroupModelsSnapshot } from './anomaly/group-alert-tracker.js';
import { DerivedReadings } from './derive/derived-readings.js';
import { compileFilterExpression, valueRangeOf, type ReadingPredicate } from './filter-expression.js';
import type { Reading } from './reading.js';
import type { RuleResult, WindowResult } from './rule-result.js';
import type { RuleSpec } from './rule-spec.js';
import { compileSelector } from './select/reading-selector.js';
import { SensorStates } from './sensor-states.js';
import { compileTransforms, type TransformChain } from './transforms/compile-transforms.js';
import { CountWindows } from './windows/count-windows.js';
import { SessionWindows } from './windows/session-windows.js';
import { TimeWindows } from './windows/time-windows.js';
import type { WindowCounters, WindowOperator } from './windows/window-operator.js';

/** Counters of one rule, for health and metrics. */
export interface RuleCounters extends WindowCounters {
  readonly rule: string;
  /** Readings the rule selected. */
  selected: number;
  /** Readings the `where:` filter dropped. */
  filteredOut: number;
  /** Readings a transform dropped (throttle, delta, clamp …, and the errors below). */
  transformedOut: number;
  /** Results emitted. */
  results: number;
  /**
   * Rule errors: readings the rule could not compute and dropped, because a transform `expression` or a `derive`
   * formula gave NaN or infinity on them (a log of a negative value, a division by zero, a missing tag).
   */
  errors: number;
}

/** What the engine tells every rule. */
export interface EngineOptions {
  /** The state of a sensor that had no reading for this long (ms) is forgotten; 0 or left out: kept for ever. */
  readonly forgetSilentMs?: number;
  /** Hears of each sensor whose alert (resolved) was forgotten, during `advance`. */
  readonly alertForgotten?: (alert: ForgottenAlert) => void;
  /** Hears of each group (`anomaly: { across }`) whose model was learnt or dropped: the time to save models. */
  readonly groupModelChanged?: (event: GroupModelEvent) => void;
}

/**
 * How many sensors (or devices, groups) each stage of a rule keeps state for: to see that it stays bounded when
 * sensors come and go. Stages without per-sensor state count 0.
 */
export interface TrackedSensors {
  readonly rule: string;
  /** `prev` in `where:`. */
  readonly where: number;
  /** Summed over the stateful transform steps. */
  readonly transforms: number;
  /** Devices. */
  readonly derive: number;
  /** Groups of a count window (time and session windows forget theirs once emitted). */
  readonly countWindow: number;
  readonly alerts: number;
}

/**
 * One rule compiled once, at load time, into its stages: select → where → transform → derive or window.
 * The hot path only calls the compiled stages.
 */
export class CompiledRule {
  private readonly own: Omit<RuleCounters, keyof WindowCounters>;
  private readonly selects: (reading: Reading) => boolean;
  /** No from, select or tags: every reading offered is taken (routing by source already happened). */
  private readonly selectsAll: boolean;
  private readonly where: ReadingPredicate | undefined;
  /**
   * A `where:` on the value alone (the usual plausibility range), tested here: with several rules the call to each
   * rule's compiled filter goes through one call site that sees them all, and V8 then no longer inlines it.
   */
  private readonly rangeOnly: boolean;
  private readonly low: number;
  private readonly lowInclusive: boolean;
  private readonly high: number;
  private readonly highInclusive: boolean;
  /** Last value per source and sensor, when the filter uses `prev`. */
  private readonly previous: SensorStates<{ value: number }> | undefined;
  private readonly transforms: TransformChain | undefined;
  private readonly derive: DerivedReadings | undefined;
  private readonly window: WindowOperator | undefined;
  /** The window when it is a count window: the one window whose groups are forgotten only for their silence. */
  private readonly countWindow: CountWindows | undefined;
  /** A detector and alert lifecycle per sensor (or per group, with `across`), for rules with `alert:`. */
  private readonly alerts: AlertTracker | GroupAlertTracker | undefined;
  /** Windows go by arrival time: readings are re-stamped with `now`. */
  private readonly processingTime: boolean;
  /**
   * The window, when a taken reading goes to it as it is (no derive, no alert, event time, not a count window): the
   * usual rule, which then skips the checks in `take`.
   */
  private readonly plainWindow: TimeWindows | SessionWindows | undefined;
  /** With a plain window, transforms that only map the value: the window takes the mapped value, without a copy. */
  private readonly mapValue: ((value: number) => number) | undefined;
  /** Results made while taking readings (rules without a window), handed over at the next advance. */
  private readonly pending: RuleResult[] = [];
  private readonly windowResults: WindowResult[] = [];
  private readonly forgetSilentMs: number;

  /**
   * `waiting` is set when the rule makes a result on taking a reading (passed on, or an alert transition), so the
   * caller can hand it over at once instead of at its next tick.
   */
  constructor(
    readonly spec: RuleSpec,
    private readonly waiting: { results: boolean } = { results: false },
    private readonly options: EngineOptions = {},
  ) {
    const forgetMs = options.forgetSilentMs ?? 0;
    this.forgetSilentMs = Number.isFinite(forgetMs) && forgetMs > 0 ? forgetMs : 0;
    this.own = { rule: spec.name, selected: 0, filteredOut: 0, transformedOut: 0, results: 0, errors: 0 };
    this.selects = compileSelector(spec);
    this.selectsAll = spec.from.length === 0 && spec.select.length === 0 && Object.keys(spec.tags).length === 0;
    this.where = spec.where === undefined ? undefined : compileFilterExpression(spec.where);
    const range = spec.where === undefined ? undefined : valueRangeOf(spec.where);
    this.rangeOnly = range !== undefined;
    this.low = range?.low ?? Number.NEGATIVE_INFINITY;
    this.lowInclusive = range?.lowInclusive ?? true;
    this.high = range?.high ?? Number.POSITIVE_INFINITY;
    this.highInclusive = range?.highInclusive ?? true;
    this.previous = spec.where !== undefined && /\bprev\b/.test(spec.where) ? new SensorStates() : undefined;
    this.transforms = spec.transform.length > 0 ? compileTransforms(spec.transform) : undefined;
    this.derive = spec.derive ? new DerivedReadings(spec.derive) : undefined;
    this.window = createWindow(spec);
    this.countWindow = this.window instanceof CountWindows ? this.window : undefined;
    this.alerts = spec.alert ? createAlertTracker(spec.name, spec.alert, options.groupModelChanged) : undefined;
    this.processingTime = spec.window?.time === 'processing';
    const plain = !this.derive && !this.alerts && !this.processingTime && !this.countWindow;
    // Count windows take the arrival time as their second argument; time and session windows a mapped value.
    this.plainWindow = plain && (this.window instanceof TimeWindows || this.window instanceof SessionWindows) ? this.window : undefined;
    this.mapValue = this.plainWindow ? this.transforms?.mapValue : undefined;
  }

  /** A snapshot of the rule's counters. */
  get counters(): RuleCounters {
    return { ...this.own, errors: this.errors, ...(this.window?.counters ?? { late: 0, lateUpdates: 0, emptySkipped: 0 }) };
  }

  /** Rule errors so far (as in `counters`), without building the counters: cheap enough for every tick. */
  get errors(): number {
    return (this.transforms?.errors ?? 0) + (this.derive?.notFinite ?? 0);
  }

  /** Takes a reading that reached the engine at `now`. */
  offer(reading: Reading, now: number): void {
    if (!this.selectsAll && !this.selects(reading)) return;
    this.own.selected += 1;
    if (this.rangeOnly) {
      const value = reading.value;
      if (!(this.lowInclusive ? value >= this.low : value > this.low) || !(this.highInclusive ? value <= this.high : value < this.high)) {
        this.own.filteredOut += 1;
        return;
      }
    } else if (this.where) {
      const prev = this.previous ? this.swapPrevious(reading, now) : Number.NaN;
      if (!this.where(reading, prev)) {
        this.own.filteredOut += 1;
        return;
      }
    }
    if (this.mapValue) {
      this.plainWindow!.addValue(reading, this.mapValue(reading.value));
      return;
    }
    let current: Reading | undefined = reading;
    if (this.transforms) {
      current = this.transforms.apply(reading, now);
      if (!current) {
        this.own.transformedOut += 1;
        return;
      }
    }
    if (this.plainWindow) this.plainWindow.add(current);
    else this.take(current, now);
  }

  /** Moves time to `now`; appends every result that became due to `out`. */
  advance(now: number, out: RuleResult[]): void {
    if (this.transforms) for (const released of this.transforms.advance(now)) this.take(released, now);
    const before = out.length;
    for (const result of this.pending) out.push(result);
    this.pending.length = 0;
    // Missing data, `for:` and `keep_firing_for:` running out: transitions that no reading brings.
    if (this.alerts) for (const transition of this.alerts.tick(now)) out.push(transition);
    // Before the window hands over its results: a forgotten count window's unfinished window goes out now.
    if (this.forgetSilentMs > 0) this.forgetSilent(now);
    if (this.window) {
      this.window.advance(now, this.windowResults);
      for (const result of this.windowResults) out.push(result);
      this.windowResults.length = 0;
    }
    this.own.results += out.length - before;
  }

  /**
   * The wall clock was set by `stepMs`: transforms move their due times or release what they hold, derived readings
   * forget their inputs, and windows on time emit what they hold into `out` and start a fresh timeline.
   */
  clockStepped(stepMs: number, now: number, out: RuleResult[]): void {
    const before = out.length;
    if (this.transforms) for (const released of this.transforms.clockStepped(stepMs)) this.take(released, now);
    this.derive?.clockStepped();
    this.alerts?.clockStepped(stepMs);
    this.previous?.clockStepped(stepMs);
    this.countWindow?.clockSteppedBy(stepMs);
    for (const result of this.pending) out.push(result);
    this.pending.length = 0;
    if (this.window) {
      this.window.clockStepped(this.windowResults);
      for (const result of this.windowResults) out.push(result);
      this.windowResults.length = 0;
    }
    this.own.results += out.length - before;
  }

  /** How many sensors each stage keeps state for. */
  get trackedSensors(): TrackedSensors {
    return {
      rule: this.spec.name,
      where: this.previous?.size ?? 0,
      transforms: this.transforms?.trackedSensors ?? 0,
      derive: this.derive?.trackedDevices ?? 0,
      countWindow: this.countWindow?.trackedGroups ?? 0,
      alerts: this.alerts?.trackedSensors ?? 0,
    };
  }

  /** The rule's alerts that are pending or firing, for persisting across restarts; undefined without `alert:`. */
  exportAlerts(): AlertTrackerSnapshot | undefined {
    return this.alerts?.exportState();
  }

  /**
   * A person acknowledged the firing alert of `sensor`: its resolved transition is handed over with the next
   * `advance`, like one a reading made. Undefined for a rule without `alert:`.
   */
  acknowledgeAlert(sensor: string, source: string | undefined, now: number): AcknowledgeOutcome | undefined {
    const outcome = this.alerts?.acknowledge(sensor, source, now);
    if (outcome?.ok) {
      this.pending.push(outcome.result);
      this.waiting.results = true;
    }
    return outcome;
  }

  /** Pending and firing alerts, and acknowledged ones whose condition still holds. */
  liveAlerts(): LiveAlert[] {
    return this.alerts?.liveAlerts() ?? [];
  }

  /** The learnt models of the rule's groups (`anomaly: { across }`); undefined for other rules or before any. */
  exportModels(): GroupModelsSnapshot | undefined {
    return this.alerts instanceof GroupAlertTracker ? this.alerts.exportModels() : undefined;
  }

  /** Restores `exportModels` output of an earlier run; returns why it was not used (the groups then learn afresh). */
  importModels(snapshot: unknown): string | undefined {
    return this.alerts instanceof GroupAlertTracker ? this.alerts.importModels(snapshot) : 'the rule has no anomaly across a group';
  }

  /** Restores `exportAlerts` output of an earlier run; throws on a snapshot that is not one. */
  importAlerts(snapshot: unknown): void {
    this.alerts?.importState(snapshot);
  }

  /**
   * Each stage forgets, a slice at a time, the sensors that had no reading for `forgetSilentMs`: a sensor that comes
   * back starts afresh. What a stage still holds to send is sent first (a held debounce, an unfinished count window),
   * and a pending or firing alert is kept until its sensor returns.
   */
  private forgetSilent(now: number): void {
    const silentMs = this.forgetSilentMs;
    this.previous?.forgetSilent(now, silentMs);
    this.transforms?.forgetSilent(now, silentMs);
    this.derive?.forgetSilent(now, silentMs);
    this.alerts?.forgetSilent(now, silentMs, this.options.alertForgotten);
    this.countWindow?.forgetSilent(now, silentMs);
  }

  private take(reading: Reading, now: number): void {
    let current: Reading | undefined = reading;
    if (this.derive) {
      current = this.derive.offer(reading, now);
      if (!current) return;
    }
    if (this.alerts) {
      const transition = this.alerts.observe(current, now);
      if (transition) {
        this.pending.push(transition);
        this.waiting.results = true;
      }
      return;
    }
    if (!this.window) {
      this.waiting.results = true;
      this.pending.push({
        kind: 'reading',
        rule: this.spec.name,
        source: current.source,
        sensor: current.sensor,
        tags: current.tags,
        timestamp: current.timestamp,
        value: current.value,
      });
      return;
    }
    if (this.processingTime && current.timestamp !== now) current = { ...current, timestamp: now };
    if (this.countWindow) this.countWindow.add(current, now);
    else this.window.add(current);
  }

  private swapPrevious(reading: Reading, now: number): number {
    const last = this.previous!.seen(reading.source, reading.sensor, now);
    if (last === undefined) {
      this.previous!.add(reading.source, reading.sensor, now, { value: reading.value });
      return Number.NaN;
    }
    const prev = last.value;
    last.value = reading.value;
    return prev;
  }
}

function createAlertTracker(
  rule: string,
  alert: NonNullable<RuleSpec['alert']>,
  groupModelChanged: EngineOptions['groupModelChanged'],
): AlertTracker | GroupAlertTracker {
  return alert.group ? new GroupAlertTracker({ rule, ...alert, group: alert.group }, groupModelChanged) : new AlertTracker({ rule, ...alert });
}

function createWindow(spec: RuleSpec): WindowOperator | undefined {
  const window = spec.window;
  if (!window) return undefined;
  const aggregates = compileAggregates(spec.aggregates);
  switch (window.type) {
    case 'tumbling':
    case 'hopping':
      return new TimeWindows(spec.name, window, window, aggregates, spec.groupBy);
    case 'session':
      return new SessionWindows(spec.name, window, window, aggregates, spec.groupBy);
    case 'count':
      return new CountWindows(spec.name, window, aggregates, spec.groupBy);
  }
}
