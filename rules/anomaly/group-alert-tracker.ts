import type { Reading, Tags } from '../reading.js';
import type { AlertResult } from '../rule-result.js';
import { SensorStates } from '../sensor-states.js';
import { AlertLifecycle, type LifecycleTransition } from './alert-lifecycle.js';
import { AlertResultMaker } from './alert-result-maker.js';
import {
  type AcknowledgeOutcome,
  type AlertRuleSpec,
  type AlertTrackerSnapshot,
  checkSnapshot,
  type ForgottenAlert,
  type LiveAlert,
  type StoredAlert,
} from './alert-tracker.js';
import { hasNoOpinion, newVerdict, setVerdict, type Verdict } from './detector.js';
import { GroupAnomalyDetector, type GroupAnomalySpec, type GroupModelSnapshot, INCOMPLETE } from './group-anomaly.js';
import { GroupMembers } from './group-members.js';

/** An alert rule over groups of sensors: `anomaly: { across: [...] }`. */
export interface GroupAlertRuleSpec extends AlertRuleSpec {
  readonly group: GroupAnomalySpec;
}

/** A group's model was learnt, or dropped to be learnt afresh (acknowledged, `learn_new_normal_after`): worth saving. */
export interface GroupModelEvent {
  readonly rule: string;
  readonly source: string;
  /** The group's name, as in its alerts. */
  readonly sensor: string;
  readonly learnt: boolean;
  /** Principal components kept (0 when not learnt). */
  readonly components: number;
}

/**
 * The learnt models of one rule's groups, saved beside its alert state so a restart does not learn them again
 * (`exportModels`). `options` are the group options a model depends on: a model saved under others is not used.
 */
export interface GroupModelsSnapshot {
  readonly version: 1;
  readonly options: Readonly<Record<string, unknown>>;
  readonly groups: readonly { readonly source: string; readonly group: string; readonly tags: Tags; readonly names: readonly string[]; readonly model: GroupModelSnapshot }[];
}

/** The group options a learnt model depends on, in a fixed order; `watch` only picks which statistic fires. */
function modelOptions(spec: GroupAnomalySpec): Record<string, unknown> {
  const { across, learn, variance, smoothing, quantile, margin, stale_after, by_tag } = spec;
  return { across: [...across], learn, variance, smoothing, quantile, margin, stale_after: stale_after ?? null, by_tag: by_tag ?? null };
}

/** `across [a, b] → [a, b, c], learn 3000 → 1000`: what differs between saved and current options. */
function optionChanges(saved: Readonly<Record<string, unknown>>, now: Readonly<Record<string, unknown>>): string {
  const show = (value: unknown) => (Array.isArray(value) ? `[${value.join(', ')}]` : value === null || value === undefined ? 'none' : String(value));
  const keys = new Set([...Object.keys(saved), ...Object.keys(now)]);
  return [...keys]
    .filter((key) => JSON.stringify(saved[key] ?? null) !== JSON.stringify(now[key] ?? null))
    .map((key) => `${key} ${show(saved[key])} → ${show(now[key])}`)
    .join(', ');
}

/** `{{reason}}` carries the contributing sensors: "relationship broken: pump/flow 61%, pump/pressure 24%". */
const GROUP_MESSAGE = '{{sensor}}: {{reason}} (score {{score:1}})';
const RESOLVED_MESSAGE = '{{sensor}}: sensors move together as learnt again';
const ACKNOWLEDGED_MESSAGE = '{{sensor}} acknowledged; learning how its sensors move together afresh';
const NEW_NORMAL_MESSAGE = '{{sensor}}: how its sensors move now is taken as the new normal; learning it afresh';

interface GroupAlert {
  readonly source: string;
  readonly group: string;
  tags: Tags;
  readonly detector: GroupAnomalyDetector;
  /** The members' sensor names as seen, for the detector's messages (a `by_tag` group learns them from readings). */
  readonly names: string[];
  readonly lifecycle: AlertLifecycle;
  /** The detector's latest opinion and its contributors, for transitions that time alone causes. */
  readonly lastVerdict: Verdict;
  contributors: string;
}

/**
 * Runs one group alert rule: a `GroupAnomalyDetector` and one lifecycle per group (per source, per device when
 * `across` names last levels, or per value of the `by_tag` tag), and an `AlertResult` per transition whose `sensor` is the group's name and whose
 * `value` is the score (the smoothed statistic over its limit). Same surface as `AlertTracker`, so the rule, the
 * agent's state store, acknowledgements and sinks treat group alerts like any other. Pure: time comes from readings
 * and `tick(now)`.
 */
export class GroupAlertTracker {
  private readonly groups = new SensorStates<GroupAlert>();
  private readonly live = new Set<GroupAlert>();
  private readonly members: GroupMembers;
  private readonly results: AlertResultMaker;

  /** `modelChanged` hears of each group whose model was learnt or dropped, during `observe` or the transition. */
  constructor(
    private readonly spec: GroupAlertRuleSpec,
    private readonly modelChanged?: (event: GroupModelEvent) => void,
  ) {
    this.members = new GroupMembers(spec.group.across, spec.group.by_tag);
    this.results = new AlertResultMaker(spec, { active: GROUP_MESSAGE, resolved: RESOLVED_MESSAGE, acknowledged: ACKNOWLEDGED_MESSAGE, newNormal: NEW_NORMAL_MESSAGE });
    // Made now, so a bad spec fails at load time.
    new GroupAnomalyDetector(spec.group, spec.group.across);
    new AlertLifecycle(spec.lifecycle);
  }

  /** Groups whose detector and lifecycle are kept. */
  get trackedSensors(): number {
    return this.groups.size;
  }

  /** The detector of a group, for tests and health (undefined before its first reading). */
  detectorOf(source: string, group: string): GroupAnomalyDetector | undefined {
    return this.groups.get(source, group)?.detector;
  }

  /** Takes a reading; readings of sensors outside the group are ignored. */
  observe(reading: Reading, now: number = reading.timestamp): AlertResult | undefined {
    const index = this.members.indexOf(reading.sensor);
    if (index < 0) return undefined;
    // With by_tag, a member reading without the tag belongs to no group.
    const group = this.members.groupOf(reading.sensor, reading.tags);
    if (group === undefined) return undefined;
    const alert = this.groupAlert(reading.source, group, reading.tags, now);
    alert.tags = reading.tags;
    if (alert.names[index] !== reading.sensor) alert.names[index] = reading.sensor;
    const learning = !alert.detector.learnt;
    const verdict = alert.detector.update(index, reading.timestamp, reading.value);
    if (learning && alert.detector.learnt) this.tellModel(alert);
    // No row closed, still learning, or a sensor's value too old: no opinion, only time moves on.
    if (verdict === undefined || hasNoOpinion(verdict) || verdict.reason === INCOMPLETE) {
      const transition = alert.lifecycle.tick(reading.timestamp);
      return transition && this.result(alert, transition, reading.timestamp);
    }
    setVerdict(alert.lastVerdict, verdict.active, verdict.score, verdict.value, verdict.threshold, verdict.reason);
    const transition = alert.lifecycle.observe(reading.timestamp, verdict.active);
    return transition && this.result(alert, transition, reading.timestamp);
  }

  /** Time passes: `for:` and `keep_firing_for:` running out for pending and firing groups. */
  tick(now: number): AlertResult[] {
    const results: AlertResult[] = [];
    for (const alert of this.live) {
      const transition = alert.lifecycle.tick(now);
      if (transition) results.push(this.result(alert, transition, now));
    }
    return results;
  }

  /** A person acknowledged the firing alert of group `sensor`: it resolves and the group is learnt afresh. */
  acknowledge(sensor: string, source: string | undefined, now: number): AcknowledgeOutcome {
    const matches: GroupAlert[] = [];
    this.groups.forEach((alert) => {
      if (alert.group === sensor && (source === undefined || alert.source === source)) matches.push(alert);
    });
    const where = source === undefined ? sensor : `${source}/${sensor}`;
    if (matches.length === 0) return { ok: false, reason: 'unknown sensor', message: `rule ${this.spec.rule} has no alert for group ${where}` };
    const firing = matches.filter((alert) => alert.lifecycle.current === 'firing');
    if (firing.length === 0) {
      return { ok: false, reason: 'not firing', message: `the alert of rule ${this.spec.rule} for ${where} is not firing: nothing to acknowledge` };
    }
    if (firing.length > 1) {
      const sources = firing.map((alert) => alert.source).join(', ');
      return { ok: false, reason: 'ambiguous source', message: `group ${sensor} fires in rule ${this.spec.rule} from several sources (${sources}); name the source` };
    }
    const alert = firing[0]!;
    return { ok: true, result: this.result(alert, alert.lifecycle.acknowledge(now)!, now) };
  }

  liveAlerts(): LiveAlert[] {
    const alerts: LiveAlert[] = [];
    const { rule, severity } = this.spec;
    this.groups.forEach(({ source, group, lifecycle }) => {
      const state = lifecycle.current;
      const since = lifecycle.episodeStart;
      if (state === 'pending' || state === 'firing') alerts.push({ rule, source, sensor: group, state, severity, since });
      const resolution = lifecycle.resolvedBy;
      if (resolution !== undefined) alerts.push({ rule, source, sensor: group, state: 'resolved', resolution, severity, since });
    });
    return alerts;
  }

  clockStepped(stepMs: number): void {
    this.groups.clockStepped(stepMs);
    this.groups.forEach((alert) => {
      alert.lifecycle.clockStepped(stepMs);
      alert.detector.clockStepped(stepMs);
    });
  }

  /** Forgets groups none of whose sensors reported for `silentMs`, unless their alert is pending or firing. */
  forgetSilent(now: number, silentMs: number, forgotten?: (alert: ForgottenAlert) => void): void {
    this.groups.forgetSilent(
      now,
      silentMs,
      (alert) => this.live.has(alert),
      (alert) => {
        if (alert.lifecycle.current === 'inactive') return;
        forgotten?.({ rule: this.spec.rule, source: alert.source, sensor: alert.group, severity: this.spec.severity });
      },
    );
  }

  exportState(): AlertTrackerSnapshot {
    const alerts: StoredAlert[] = [];
    this.groups.forEach(({ source, group, tags, lifecycle }) => {
      if (lifecycle.current !== 'inactive') alerts.push({ source, sensor: group, tags, lifecycle: lifecycle.exportState() });
    });
    return { version: 1, alerts };
  }

  /**
   * Every group's model and learning progress (`GroupModelsSnapshot`); undefined when no group has learnt a row.
   * Not part of `exportState`: alert state is saved at every transition, a model only when learnt and at stop.
   */
  exportModels(): GroupModelsSnapshot | undefined {
    const groups: { source: string; group: string; tags: Tags; names: string[]; model: GroupModelSnapshot }[] = [];
    this.groups.forEach(({ source, group, tags, names, detector }) => {
      const model = detector.exportModel();
      if (model.rows > 0) groups.push({ source, group, tags, names: [...names], model });
    });
    return groups.length === 0 ? undefined : { version: 1, options: modelOptions(this.spec.group), groups };
  }

  /**
   * Restores `exportModels` output of an earlier run, before any reading: each group carries on watching (or
   * learning) where it was. Returns why nothing was restored (the group options changed, or the snapshot is not
   * one), in which case every group learns afresh; undefined when restored.
   */
  importModels(snapshot: unknown): string | undefined {
    if (typeof snapshot !== 'object' || snapshot === null) return 'the saved group models are not an object';
    const { version, options, groups } = snapshot as Record<string, unknown>;
    if (version !== 1) return `the saved group models have unknown version ${String(version)}`;
    if (typeof options !== 'object' || options === null || !Array.isArray(groups)) return 'the saved group models lack options or groups';
    const changes = optionChanges(options as Record<string, unknown>, modelOptions(this.spec.group));
    if (changes !== '') return `learnt with other options (${changes})`;
    const p = this.spec.group.across.length;
    const restored: { source: string; group: string; tags: Tags; names: string[]; detector: GroupAnomalyDetector }[] = [];
    for (const [index, entry] of groups.entries()) {
      const { source, group, tags, names, model } = (entry ?? {}) as Record<string, unknown>;
      if (typeof source !== 'string' || typeof group !== 'string' || typeof tags !== 'object' || tags === null) return `groups[${index}] lacks source, group or tags`;
      if (!Array.isArray(names) || names.length !== p || !names.every((name) => typeof name === 'string')) return `groups[${index}].names is not ${p} sensor names`;
      const list = [...(names as string[])];
      const detector = new GroupAnomalyDetector(this.spec.group, list);
      try {
        detector.resumeModel(model);
      } catch (error) {
        return `groups[${index}] (${group}): ${(error as Error).message}`;
      }
      restored.push({ source, group, tags: tags as Tags, names: list, detector });
    }
    for (const { source, group, tags, names, detector } of restored) this.groupAlert(source, group, tags, Number.NaN, { detector, names });
    return undefined;
  }

  /**
   * Restores `exportState` output: lifecycles come back. The detectors come back with `importModels` (call it
   * first); without a saved model a group learns afresh.
   */
  importState(snapshot: unknown): void {
    for (const entry of checkSnapshot(snapshot).alerts) {
      const alert = this.groupAlert(entry.source, entry.sensor, entry.tags, Number.NaN);
      alert.lifecycle.importState(entry.lifecycle);
      this.track(alert);
    }
  }

  private track(alert: GroupAlert): void {
    const state = alert.lifecycle.current;
    if (state === 'pending' || state === 'firing') this.live.add(alert);
    else this.live.delete(alert);
  }

  /** A group's state: known, or made now, with a detector restored by `importModels` when given one. */
  private groupAlert(source: string, group: string, tags: Tags, now: number, restored?: { detector: GroupAnomalyDetector; names: string[] }): GroupAlert {
    const known = this.groups.seen(source, group, now);
    if (known) return known;
    // The detector's messages read `names`, which the tracker corrects as readings come: one array for both.
    const names = restored?.names ?? this.members.names(group);
    const detector = restored?.detector ?? new GroupAnomalyDetector(this.spec.group, names);
    const alert: GroupAlert = { source, group, tags, detector, names, lifecycle: new AlertLifecycle(this.spec.lifecycle), lastVerdict: newVerdict(), contributors: '' };
    return this.groups.add(source, group, now, alert);
  }

  private tellModel(alert: GroupAlert): void {
    const { detector } = alert;
    this.modelChanged?.({ rule: this.spec.rule, source: alert.source, sensor: alert.group, learnt: detector.learnt, components: detector.components });
  }

  private result(alert: GroupAlert, transition: LifecycleTransition, now: number): AlertResult {
    this.track(alert);
    const verdict = alert.lastVerdict;
    // Named when the episode starts or fires; a resolve keeps the names that started it.
    if (transition.state !== 'resolved') alert.contributors = alert.detector.contributors();
    if (transition.resolution !== undefined) {
      alert.detector.acceptNewNormal();
      this.tellModel(alert);
    }
    const reason = alert.contributors === '' ? verdict.reason : `${verdict.reason}: ${alert.contributors}`;
    const subject = { source: alert.source, sensor: alert.group, tags: alert.tags };
    return this.results.make(subject, transition, now, { value: verdict.score, statistic: verdict.value, threshold: verdict.threshold, score: verdict.score, reason });
  }
}
