import type { Reading, Tags } from '../reading.js';
import type { AlertResult, AlertSeverity } from '../rule-result.js';
import { AlertLifecycle, type LifecycleSnapshot, type LifecycleSpec, type LifecycleTransition } from './alert-lifecycle.js';
import { createDetector, type DetectorSpec } from './detector-spec.js';
import { type Detector, hasNoOpinion, newVerdict, setVerdict, type Verdict } from './detector.js';
import { MessageTemplate } from './message-template.js';

/** One alert rule as the tracker needs it: which detector, how its lifecycle runs, and what it says. */
export interface AlertRuleSpec {
  readonly rule: string;
  readonly detector: DetectorSpec;
  readonly lifecycle: LifecycleSpec;
  readonly severity: AlertSeverity;
  /** Message template; a default per detector when left out. */
  readonly message?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** All alerts of one rule, for persisting across restarts: plain JSON, keyed by source and sensor. */
export interface AlertTrackerSnapshot {
  readonly version: 1;
  readonly alerts: readonly StoredAlert[];
}

export interface StoredAlert {
  readonly source: string;
  readonly sensor: string;
  readonly tags: Tags;
  readonly lifecycle: LifecycleSnapshot;
}

const DEFAULT_MESSAGE = '{{sensor}} {{reason}}: {{statistic}} (limit {{threshold}})';
const MISSING_MESSAGE = '{{sensor}}: no reading for {{threshold}} s';
/** `anomaly` has no single limit to quote; its score says how far past its own limit the finding is. */
const ANOMALY_MESSAGE = '{{sensor}} {{reason}} at {{value}} (score {{score:1}})';
const RESOLVED_MESSAGE = '{{sensor}} back to normal: {{value}}';

interface SensorAlert {
  readonly source: string;
  readonly sensor: string;
  tags: Tags;
  readonly detector: Detector;
  readonly lifecycle: AlertLifecycle;
  /** The latest reading value and the detector's latest opinion, for transitions that time alone causes. */
  lastValue: number;
  readonly lastVerdict: Verdict;
}

/**
 * Runs one alert rule over many sensors: a detector and a lifecycle per (source, sensor), and an `AlertResult` for
 * each lifecycle transition. Pure: time comes from readings and from `tick(now)`.
 */
export class AlertTracker {
  /** source → sensor → alert: two lookups instead of building a key string per reading. */
  private readonly sensors = new Map<string, Map<string, SensorAlert>>();
  private readonly template: MessageTemplate;
  private readonly resolvedTemplate: MessageTemplate;

  constructor(private readonly spec: AlertRuleSpec) {
    const kind = spec.detector.kind;
    const fallback = kind === 'missing' ? MISSING_MESSAGE : kind === 'anomaly' ? ANOMALY_MESSAGE : DEFAULT_MESSAGE;
    this.template = new MessageTemplate(spec.message ?? fallback);
    this.resolvedTemplate = new MessageTemplate(spec.message ?? RESOLVED_MESSAGE);
    createDetector(spec.detector); // fails now, at load time, rather than on the first reading
  }

  observe(reading: Reading): AlertResult | undefined {
    const alert = this.sensorAlert(reading.source, reading.sensor, reading.tags);
    alert.tags = reading.tags;
    alert.lastValue = reading.value;
    const verdict = alert.detector.update(reading.timestamp, reading.value);
    if (!hasNoOpinion(verdict)) remember(alert.lastVerdict, verdict);
    // A detector that is still learning, or was given NaN, has no opinion: the alert stays where it is (say,
    // restored as firing) and only time moves on.
    const transition = hasNoOpinion(verdict)
      ? alert.lifecycle.tick(reading.timestamp)
      : alert.lifecycle.observe(reading.timestamp, verdict.active);
    return transition && this.result(alert, transition, reading.timestamp);
  }

  /** Time passes: missing-data verdicts, `for:` running out, `keep_firing_for:` running out. */
  tick(now: number): AlertResult[] {
    const results: AlertResult[] = [];
    for (const alert of this.allAlerts()) {
      const verdict = alert.detector.tick(now);
      if (verdict) remember(alert.lastVerdict, verdict);
      const transition = verdict ? alert.lifecycle.observe(now, verdict.active) : alert.lifecycle.tick(now);
      if (transition) results.push(this.result(alert, transition, now));
    }
    return results;
  }

  /** The wall clock was set by `stepMs`: every sensor's lifecycle and detector move their times with it. */
  clockStepped(stepMs: number): void {
    for (const bySensor of this.sensors.values()) {
      for (const alert of bySensor.values()) {
        alert.lifecycle.clockStepped(stepMs);
        alert.detector.clockStepped?.(stepMs);
      }
    }
  }

  exportState(): AlertTrackerSnapshot {
    const alerts = [...this.allAlerts()]
      .filter((alert) => alert.lifecycle.current !== 'inactive')
      .map(({ source, sensor, tags, lifecycle }) => ({ source, sensor, tags, lifecycle: lifecycle.exportState() }));
    return { version: 1, alerts };
  }

  /** Restores `exportState` output; throws a clear error on anything else (a corrupt or foreign database row). */
  importState(snapshot: unknown): void {
    for (const entry of checkSnapshot(snapshot).alerts) {
      this.sensorAlert(entry.source, entry.sensor, entry.tags).lifecycle.importState(entry.lifecycle);
    }
  }

  private *allAlerts(): Iterable<SensorAlert> {
    for (const bySensor of this.sensors.values()) yield* bySensor.values();
  }

  private sensorAlert(source: string, sensor: string, tags: Tags): SensorAlert {
    let bySensor = this.sensors.get(source);
    if (!bySensor) this.sensors.set(source, (bySensor = new Map()));
    let alert = bySensor.get(sensor);
    if (!alert) {
      const lifecycle = new AlertLifecycle(this.spec.lifecycle);
      const detector = createDetector(this.spec.detector);
      alert = { source, sensor, tags, detector, lifecycle, lastValue: Number.NaN, lastVerdict: newVerdict() };
      bySensor.set(sensor, alert);
    }
    return alert;
  }

  private result(alert: SensorAlert, transition: LifecycleTransition, now: number): AlertResult {
    const verdict = alert.lastVerdict;
    const missing = verdict.reason === 'missing';
    // The reading that caused the transition; NaN when its absence did.
    const value = missing ? Number.NaN : alert.lastValue;
    const threshold = missing ? verdict.threshold / 1000 : verdict.threshold;
    const template = transition.state === 'resolved' ? this.resolvedTemplate : this.template;
    const message = template.render({
      rule: this.spec.rule,
      source: alert.source,
      sensor: alert.sensor,
      value,
      statistic: verdict.value,
      threshold,
      score: verdict.score,
      reason: verdict.reason,
      detector: this.spec.detector.kind,
      state: transition.state,
      severity: this.spec.severity,
      since: new Date(transition.since).toISOString(),
      ...prefixed('tags.', alert.tags),
      ...prefixed('labels.', this.spec.labels ?? {}),
    });
    return {
      kind: 'alert',
      rule: this.spec.rule,
      source: alert.source,
      sensor: alert.sensor,
      tags: alert.tags,
      timestamp: now,
      state: transition.state,
      previous: transition.previous,
      detector: this.spec.detector.kind,
      severity: this.spec.severity,
      value,
      message,
      since: transition.since,
      ...(this.spec.labels ? { labels: this.spec.labels } : {}),
    };
  }
}

function remember(into: Verdict, from: Readonly<Verdict>): void {
  setVerdict(into, from.active, from.score, from.value, from.threshold, from.reason);
}

function prefixed(prefix: string, values: Readonly<Record<string, string>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) result[prefix + name] = value;
  return result;
}

const STATES = new Set(['inactive', 'pending', 'firing', 'resolved']);
const isTime = (value: unknown) => value === null || (typeof value === 'number' && Number.isFinite(value));

function checkSnapshot(snapshot: unknown): AlertTrackerSnapshot {
  const fail = (why: string): never => {
    throw new Error(`alert state: ${why}; delete the stored state for this rule to start afresh`);
  };
  if (typeof snapshot !== 'object' || snapshot === null) return fail('not an object');
  const { version, alerts } = snapshot as Record<string, unknown>;
  if (version !== 1) return fail(`unknown version ${String(version)}`);
  if (!Array.isArray(alerts)) return fail('alerts is not a list');
  alerts.forEach((entry: unknown, index) => {
    const { source, sensor, tags, lifecycle } = (entry ?? {}) as Record<string, unknown>;
    if (typeof source !== 'string' || typeof sensor !== 'string') fail(`alerts[${index}] lacks source or sensor`);
    if (typeof tags !== 'object' || tags === null) fail(`alerts[${index}].tags is not an object`);
    const state = (lifecycle ?? {}) as Record<string, unknown>;
    if (!STATES.has(state.state as string)) fail(`alerts[${index}].lifecycle.state is ${String(state.state)}`);
    if (!isTime(state.since) || !isTime(state.lastActiveAt) || !isTime(state.resolvedAt)) {
      fail(`alerts[${index}].lifecycle has a bad time`);
    }
    if (!Array.isArray(state.firings) || !state.firings.every((at) => isTime(at) && at !== null)) {
      fail(`alerts[${index}].lifecycle.firings is not a list of times`);
    }
  });
  return snapshot as AlertTrackerSnapshot;
}
