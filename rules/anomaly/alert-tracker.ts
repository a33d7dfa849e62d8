import type { Reading, Tags } from '../reading.js';
import type { AlertResult, AlertSeverity } from '../rule-result.js';
import { SensorStates } from '../sensor-states.js';
import { AlertLifecycle, type LifecycleSnapshot, type LifecycleSpec, type LifecycleTransition, type Resolution } from './alert-lifecycle.js';
import { createDetector, type DetectorSpec } from './detector-spec.js';
import { type Detector, type DetectorEpisode, hasNoOpinion, newVerdict, setVerdict, type Verdict } from './detector.js';
import { AlertResultMaker } from './alert-result-maker.js';

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
  /** The detector's part of a running episode (`Detector.exportEpisode`), when it has one to keep. */
  readonly detector?: DetectorEpisode;
}

const DEFAULT_MESSAGE = '{{sensor}} {{reason}}: {{statistic}} (limit {{threshold}})';
const MISSING_MESSAGE = '{{sensor}}: no reading for {{threshold}} s';
/** `anomaly` has no single limit to quote; its score says how far past its own limit the finding is. */
const ANOMALY_MESSAGE = '{{sensor}} {{reason}} at {{value}} (score {{score:1}})';
const RESOLVED_MESSAGE = '{{sensor}} back to normal: {{value}}';
const ACKNOWLEDGED_MESSAGE = '{{sensor}} acknowledged at {{value}}; it pages again once it has been back to normal';
const NEW_NORMAL_MESSAGE = '{{sensor}} at {{value}} taken as the new normal';

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

/** What an acknowledgement did: the transition it made, or why there was nothing to acknowledge. */
export type AcknowledgeOutcome =
  | { readonly ok: true; readonly result: AlertResult }
  | { readonly ok: false; readonly reason: 'unknown sensor' | 'not firing' | 'ambiguous source'; readonly message: string };

/**
 * An alert that is pending or firing now, or whose last episode a person acknowledged or `learn_new_normal_after`
 * ended (state `resolved` with its `resolution`, until the next episode): what the health report lists.
 */
export interface LiveAlert {
  readonly rule: string;
  readonly source: string;
  readonly sensor: string;
  readonly state: 'pending' | 'firing' | 'resolved';
  readonly resolution?: Resolution;
  readonly severity: AlertSeverity;
  /** When the episode began. */
  readonly since: number;
}

/** A sensor whose (resolved) alert was forgotten after its silence, for the agent to drop what it keeps of it. */
export interface ForgottenAlert {
  readonly rule: string;
  readonly source: string;
  readonly sensor: string;
  readonly severity: AlertSeverity;
}

/**
 * Runs one alert rule over many sensors: a detector and a lifecycle per (source, sensor), and an `AlertResult` for
 * each lifecycle transition. Pure: time comes from readings and from `tick(now)`.
 */
export class AlertTracker {
  /** source → sensor → alert: two lookups instead of building a key string per reading. */
  private readonly sensors = new SensorStates<SensorAlert>();
  /**
   * Alerts pending or firing: all that `tick` has to look at, unless the detector reports missing data, which can
   * start an episode for any sensor.
   */
  private readonly live = new Set<SensorAlert>();
  private readonly reportsMissing: boolean;
  private readonly results: AlertResultMaker;

  constructor(private readonly spec: AlertRuleSpec) {
    const kind = spec.detector.kind;
    const active = kind === 'missing' ? MISSING_MESSAGE : kind === 'anomaly' ? ANOMALY_MESSAGE : DEFAULT_MESSAGE;
    this.results = new AlertResultMaker(spec, { active, resolved: RESOLVED_MESSAGE, acknowledged: ACKNOWLEDGED_MESSAGE, newNormal: NEW_NORMAL_MESSAGE });
    // Made now, at load time, so a bad spec fails here rather than on the first reading.
    this.reportsMissing = createDetector(spec.detector).missingAt !== undefined;
  }

  /** Sensors whose detector and lifecycle are kept. */
  get trackedSensors(): number {
    return this.sensors.size;
  }

  /** Takes a reading that reached the engine at `now` (its timestamp by default). */
  observe(reading: Reading, now: number = reading.timestamp): AlertResult | undefined {
    const alert = this.sensorAlert(reading.source, reading.sensor, reading.tags, now);
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
    const visit = (alert: SensorAlert) => {
      const verdict = alert.detector.tick(now);
      if (verdict) remember(alert.lastVerdict, verdict);
      const transition = verdict ? alert.lifecycle.observe(now, verdict.active) : alert.lifecycle.tick(now);
      if (transition) results.push(this.result(alert, transition, now));
    };
    if (this.reportsMissing) this.sensors.forEach(visit);
    // A Set may lose its current member while iterated: an alert that resolves leaves `live` during its visit.
    else for (const alert of this.live) visit(alert);
    return results;
  }

  /**
   * A person acknowledged the firing alert of `sensor` (of `source`, needed only when two sources have a sensor of
   * that name): it resolves now with resolution `acknowledged`, its detector takes the current level as normal, and
   * it does not page again before its condition has cleared.
   */
  acknowledge(sensor: string, source: string | undefined, now: number): AcknowledgeOutcome {
    const matches: SensorAlert[] = [];
    this.sensors.forEach((alert) => {
      if (alert.sensor === sensor && (source === undefined || alert.source === source)) matches.push(alert);
    });
    const where = source === undefined ? sensor : `${source}/${sensor}`;
    if (matches.length === 0) {
      return { ok: false, reason: 'unknown sensor', message: `rule ${this.spec.rule} has no alert for sensor ${where}` };
    }
    const firing = matches.filter((alert) => alert.lifecycle.current === 'firing');
    if (firing.length === 0) {
      const state = matches.length === 1 ? matches[0]!.lifecycle.current : 'not firing';
      return { ok: false, reason: 'not firing', message: `the alert of rule ${this.spec.rule} for ${where} is ${state}, not firing: nothing to acknowledge` };
    }
    if (firing.length > 1) {
      const sources = firing.map((alert) => alert.source).join(', ');
      return { ok: false, reason: 'ambiguous source', message: `sensor ${sensor} fires in rule ${this.spec.rule} from several sources (${sources}); name the source` };
    }
    const alert = firing[0]!;
    const transition = alert.lifecycle.acknowledge(now)!;
    return { ok: true, result: this.result(alert, transition, now) };
  }

  /** Alerts pending or firing now, and those acknowledged (or taken as normal) with no episode since. */
  liveAlerts(): LiveAlert[] {
    const alerts: LiveAlert[] = [];
    const { rule, severity } = this.spec;
    this.sensors.forEach(({ source, sensor, lifecycle }) => {
      const state = lifecycle.current;
      const since = lifecycle.episodeStart;
      if (state === 'pending' || state === 'firing') alerts.push({ rule, source, sensor, state, severity, since });
      const resolution = lifecycle.resolvedBy;
      if (resolution !== undefined) alerts.push({ rule, source, sensor, state: 'resolved', resolution, severity, since });
    });
    return alerts;
  }

  /** The wall clock was set by `stepMs`: every sensor's lifecycle and detector move their times with it. */
  clockStepped(stepMs: number): void {
    this.sensors.clockStepped(stepMs);
    this.sensors.forEach((alert) => {
      alert.lifecycle.clockStepped(stepMs);
      alert.detector.clockStepped?.(stepMs);
    });
  }

  /**
   * Forgets sensors that had no reading for `silentMs` by `now` (a slice of them per call) and whose alert is inactive
   * or resolved; a pending or firing alert is kept until its sensor comes back, and so is one whose detector may yet
   * report the silence as missing data. `forgotten` hears of each forgotten sensor whose alert ever changed state.
   */
  forgetSilent(now: number, silentMs: number, forgotten?: (alert: ForgottenAlert) => void): void {
    this.sensors.forgetSilent(
      now,
      silentMs,
      (alert) => this.live.has(alert) || this.mayReportMissing(alert, now),
      (alert) => {
        if (alert.lifecycle.current === 'inactive') return;
        forgotten?.({ rule: this.spec.rule, source: alert.source, sensor: alert.sensor, severity: this.spec.severity });
      },
    );
  }

  exportState(): AlertTrackerSnapshot {
    const alerts: StoredAlert[] = [];
    this.sensors.forEach(({ source, sensor, tags, lifecycle, detector }) => {
      if (lifecycle.current === 'inactive') return;
      const episode = detector.exportEpisode?.();
      alerts.push({ source, sensor, tags, lifecycle: lifecycle.exportState(), ...(episode === undefined ? {} : { detector: episode }) });
    });
    return { version: 1, alerts };
  }

  /** Restores `exportState` output; throws a clear error on anything else (a corrupt or foreign database row). */
  importState(snapshot: unknown): void {
    for (const entry of checkSnapshot(snapshot).alerts) {
      // Silent from the next sweep on: the time of its last reading before the restart is not known.
      const alert = this.sensorAlert(entry.source, entry.sensor, entry.tags, Number.NaN);
      alert.lifecycle.importState(entry.lifecycle);
      // A persistent fault stays firing across the restart: the detector judges against the band it kept before it.
      if (entry.detector !== undefined) alert.detector.resumeEpisode?.(entry.detector);
      this.track(alert);
    }
  }

  /** Missing data still to come: a silent sensor whose detector will call it missing, or already does. */
  private mayReportMissing(alert: SensorAlert, now: number): boolean {
    if (!this.reportsMissing) return false;
    const verdict = alert.lastVerdict;
    // Missing already, but a cooldown holds off the new episode.
    if (verdict.active && verdict.reason === 'missing') return true;
    return now <= alert.detector.missingAt!();
  }

  /** Keeps `live` to the alerts pending or firing. */
  private track(alert: SensorAlert): void {
    const state = alert.lifecycle.current;
    if (state === 'pending' || state === 'firing') this.live.add(alert);
    else this.live.delete(alert);
  }

  private sensorAlert(source: string, sensor: string, tags: Tags, now: number): SensorAlert {
    const known = this.sensors.seen(source, sensor, now);
    if (known) return known;
    const lifecycle = new AlertLifecycle(this.spec.lifecycle);
    const detector = createDetector(this.spec.detector);
    const alert = { source, sensor, tags, detector, lifecycle, lastValue: Number.NaN, lastVerdict: newVerdict() };
    return this.sensors.add(source, sensor, now, alert);
  }

  private result(alert: SensorAlert, transition: LifecycleTransition, now: number): AlertResult {
    this.track(alert);
    // Acknowledged or outlasted: what the sensor does now is its normal, so the same level does not page again.
    if (transition.resolution !== undefined) alert.detector.acceptNewNormal?.();
    const verdict = alert.lastVerdict;
    const missing = verdict.reason === 'missing';
    // The reading that caused the transition; NaN when its absence did.
    const value = missing ? Number.NaN : alert.lastValue;
    const threshold = missing ? verdict.threshold / 1000 : verdict.threshold;
    return this.results.make(alert, transition, now, { value, statistic: verdict.value, threshold, score: verdict.score, reason: verdict.reason });
  }
}

function remember(into: Verdict, from: Readonly<Verdict>): void {
  setVerdict(into, from.active, from.score, from.value, from.threshold, from.reason);
}

const STATES = new Set(['inactive', 'pending', 'firing', 'resolved']);
const isTime = (value: unknown) => value === null || (typeof value === 'number' && Number.isFinite(value));

/** Checks a stored `AlertTrackerSnapshot` (also used for group alerts, which store the same shape). */
export function checkSnapshot(snapshot: unknown): AlertTrackerSnapshot {
  const fail = (why: string): never => {
    throw new Error(`alert state: ${why}; delete the stored state for this rule to start afresh`);
  };
  if (typeof snapshot !== 'object' || snapshot === null) return fail('not an object');
  const { version, alerts } = snapshot as Record<string, unknown>;
  if (version !== 1) return fail(`unknown version ${String(version)}`);
  if (!Array.isArray(alerts)) return fail('alerts is not a list');
  alerts.forEach((entry: unknown, index) => {
    const { source, sensor, tags, lifecycle, detector } = (entry ?? {}) as Record<string, unknown>;
    if (typeof source !== 'string' || typeof sensor !== 'string') fail(`alerts[${index}] lacks source or sensor`);
    if (typeof tags !== 'object' || tags === null) fail(`alerts[${index}].tags is not an object`);
    const numbers = (value: unknown) => typeof value === 'object' && value !== null && Object.values(value).every((n) => typeof n === 'number' && Number.isFinite(n));
    if (detector !== undefined && !numbers(detector)) fail(`alerts[${index}].detector is not an object of numbers`);
    const state = (lifecycle ?? {}) as Record<string, unknown>;
    if (!STATES.has(state.state as string)) fail(`alerts[${index}].lifecycle.state is ${String(state.state)}`);
    if (!isTime(state.since) || !isTime(state.lastActiveAt) || !isTime(state.resolvedAt)) {
      fail(`alerts[${index}].lifecycle has a bad time`);
    }
    if (!Array.isArray(state.firings) || !state.firings.every((at) => isTime(at) && at !== null)) {
      fail(`alerts[${index}].lifecycle.firings is not a list of times`);
    }
    if (state.firedAt !== undefined && !isTime(state.firedAt)) fail(`alerts[${index}].lifecycle.firedAt is not a time`);
    for (const key of ['accepted', 'resolution'] as const) {
      if (state[key] !== undefined && state[key] !== 'acknowledged' && state[key] !== 'new normal') {
        fail(`alerts[${index}].lifecycle.${key} is ${String(state[key])}`);
      }
    }
  });
  return snapshot as AlertTrackerSnapshot;
}
