import { CompiledRule, type RuleCounters, type EngineOptions, type TrackedSensors } from './compiled-rule.js';
import type { AcknowledgeOutcome, LiveAlert } from './anomaly/alert-tracker.js';
import type { Reading } from './reading.js';
import type { RuleResult } from './rule-result.js';
import type { RuleSpec } from './rule-spec.js';
import { sameSpec } from './same-spec.js';

export type { RuleCounters, EngineOptions, TrackedSensors } from './compiled-rule.js';
export type { ForgottenAlert, LiveAlert } from './anomaly/alert-tracker.js';
export type { GroupModelEvent } from './anomaly/group-alert-tracker.js';

/** What acknowledging an alert did: the resolved transition, or why nothing was acknowledged. */
export type AlertAcknowledgement =
  | AcknowledgeOutcome
  | { readonly ok: false; readonly reason: 'unknown rule' | 'not an alert rule'; readonly message: string };

/** Rules that read from each other in a circle can never produce anything; caught when the rules are loaded. */
export class RuleGraphError extends Error {
  constructor(message: string, readonly rules: readonly string[]) {
    super(message);
    this.name = 'RuleGraphError';
  }
}

/** What `replaceRules` did, by rule name. */
export interface RuleChanges {
  /** Same spec as before: the running rule was kept, with its open windows, transform state and counters. */
  readonly kept: string[];
  /** New names. */
  readonly added: string[];
  /** Names no longer present: their open windows are dropped. */
  readonly removed: string[];
  /** Same name, different spec: compiled afresh, so its windows start empty and its counters at zero. */
  readonly changed: string[];
}

/**
 * The pure stream engine: readings in, results out. It never reads a clock; the caller moves time with `advance`,
 * so the same rules run live, in tests and in a replay of a recorded file.
 *
 * A rule may read another rule's results (`from: <rule name>`): rules run in dependency order, and each result
 * becomes a reading for the rules downstream within the same `push` or `advance`.
 */
export class RuleEngine {
  // Replaced together by `replaceRules`, never edited in place.
  /** Rules in dependency order: every rule comes after the rules it reads from. */
  private rules: CompiledRule[];
  /** Rules that read raw readings: per source name, and those that read every source. */
  private bySource: Map<string, CompiledRule[]>;
  private fromEverySource: CompiledRule[];
  /** Rules downstream of each rule. */
  private downstream: Map<string, CompiledRule[]>;
  /** Set by any rule that made a result on taking a reading; cleared by `advance`. */
  private readonly waiting = { results: false };

  /**
   * `options.forgetSilentMs`: every rule forgets the state of a sensor that had no reading for this long, so memory
   * stays bounded where sensor names come and go (see rules/README.md, "Sensors that fall silent"); 0: never.
   */
  constructor(
    specs: readonly RuleSpec[],
    private readonly options: EngineOptions = {},
  ) {
    const rules = dependencyOrder(specs).map((spec) => new CompiledRule(spec, this.waiting, options));
    ({ rules: this.rules, bySource: this.bySource, fromEverySource: this.fromEverySource, downstream: this.downstream } = routing(rules));
  }

  /**
   * Swaps in a new set of rules, all at once, between two calls of `push` or `advance`. A rule whose own spec is
   * unchanged keeps running as it is: its open windows, transform state and counters carry on, even when a rule it
   * reads from changed (what it holds were that rule's results at the time). Every other rule is compiled afresh.
   * Everything is compiled before anything is swapped: when a spec does not compile or the rules read from each
   * other in a circle, this throws and the running rules stay exactly as they were. Results a replaced or removed
   * rule made since the last `advance` are dropped with it: call `advance` first to keep them.
   */
  replaceRules(specs: readonly RuleSpec[]): RuleChanges {
    const running = new Map(this.rules.map((rule) => [rule.spec.name, rule]));
    const changes: RuleChanges = { kept: [], added: [], removed: [], changed: [] };
    const rules = dependencyOrder(specs).map((spec) => {
      const current = running.get(spec.name);
      if (current && sameSpec(current.spec, spec)) {
        changes.kept.push(spec.name);
        return current;
      }
      (current ? changes.changed : changes.added).push(spec.name);
      return new CompiledRule(spec, this.waiting, this.options);
    });
    const names = new Set(specs.map((spec) => spec.name));
    for (const name of running.keys()) if (!names.has(name)) changes.removed.push(name);
    ({ rules: this.rules, bySource: this.bySource, fromEverySource: this.fromEverySource, downstream: this.downstream } = routing(rules));
    return changes;
  }

  /** Takes a reading from a source; `now` is when it reached the agent (processing time), its timestamp by default. */
  push(reading: Reading, now: number = reading.timestamp): void {
    if (!Number.isFinite(reading.value) || !Number.isFinite(reading.timestamp)) return;
    const every = this.fromEverySource;
    for (let i = 0; i < every.length; i++) every[i]!.offer(reading, now);
    if (this.bySource.size === 0) return;
    const rules = this.bySource.get(reading.source);
    if (rules) for (let i = 0; i < rules.length; i++) rules[i]!.offer(reading, now);
  }

  /** Moves time to `now` and returns every result made since the last call, each rule's in order. */
  advance(now: number): RuleResult[] {
    this.waiting.results = false;
    return this.collect(now, (rule, out) => rule.advance(now, out));
  }

  /**
   * Whether a reading made a result that `advance` would hand over now (a reading passed on, an alert transition):
   * the agent then advances at once rather than at its next tick. Windows wait for time anyway.
   */
  get resultsWaiting(): boolean {
    return this.waiting.results;
  }

  /**
   * Tells every rule that the wall clock was set by `stepMs` (NTP synchronising after a boot with a stale clock, a
   * step back) and returns what they emit because of it, as `advance` does: each window on time emits what it holds,
   * as it is, then starts a fresh timeline, so a jump forward closes no run of empty windows and a step back reopens
   * no window already emitted. Call `advance` with the time before the step first, to hand over what was due then.
   */
  clockStepped(stepMs: number, now: number): RuleResult[] {
    return this.collect(now, (rule, out) => rule.clockStepped(stepMs, now, out));
  }

  /**
   * Lets each rule, in dependency order, append its results to one list, and hands each result at once to the rules
   * downstream as a reading, so they take it in the same call.
   */
  private collect(now: number, run: (rule: CompiledRule, out: RuleResult[]) => void): RuleResult[] {
    const out: RuleResult[] = [];
    for (const rule of this.rules) {
      const from = out.length;
      run(rule, out);
      const consumers = this.downstream.get(rule.spec.name);
      if (!consumers) continue;
      for (let i = from; i < out.length; i++) {
        for (const consumer of consumers) {
          const reading = asReading(out[i]!, consumer.spec.field);
          if (reading) consumer.offer(reading, now);
        }
      }
    }
    // Each rule's results are in time order; across rules, too, so the buffer fills chronologically.
    if (this.rules.length > 1 && !inTimeOrder(out)) out.sort((a, b) => timeOf(a) - timeOf(b));
    return out;
  }

  /** Alert state of every rule with `alert:` whose alerts are pending or firing, by rule name. */
  exportAlerts(): Map<string, unknown> {
    const states = new Map<string, unknown>();
    for (const rule of this.rules) {
      const snapshot = rule.exportAlerts();
      if (snapshot && snapshot.alerts.length > 0) states.set(rule.spec.name, snapshot);
    }
    return states;
  }

  /**
   * Restores alert state saved by `exportAlerts` (after a restart): a firing alert stays firing without a new
   * event, a pending one keeps its start. Rules no longer present are skipped; returns the problems of unusable
   * snapshots, which leave their rule starting afresh.
   */
  importAlerts(states: ReadonlyMap<string, unknown>): { rule: string; error: string }[] {
    const problems: { rule: string; error: string }[] = [];
    for (const rule of this.rules) {
      if (!states.has(rule.spec.name)) continue;
      try {
        rule.importAlerts(states.get(rule.spec.name));
      } catch (error) {
        problems.push({ rule: rule.spec.name, error: (error as Error).message });
      }
    }
    return problems;
  }

  /** The learnt models of every rule with `anomaly: { across }` whose groups learnt anything, by rule name. */
  exportModels(): Map<string, unknown> {
    const models = new Map<string, unknown>();
    for (const rule of this.rules) {
      const snapshot = rule.exportModels();
      if (snapshot) models.set(rule.spec.name, snapshot);
    }
    return models;
  }

  /**
   * Restores models saved by `exportModels` (after a restart, before `importAlerts`): each group carries on watching,
   * or learning where it was. Returns, per rule, why its saved models were not used (its group options changed, or the
   * snapshot is unusable): its groups learn afresh. Rules no longer present are skipped.
   */
  importModels(models: ReadonlyMap<string, unknown>): { rule: string; reason: string }[] {
    const problems: { rule: string; reason: string }[] = [];
    for (const rule of this.rules) {
      if (!models.has(rule.spec.name)) continue;
      const reason = rule.importModels(models.get(rule.spec.name));
      if (reason !== undefined) problems.push({ rule: rule.spec.name, reason });
    }
    return problems;
  }

  /**
   * A person acknowledged the firing alert of `rule` for `sensor` (of `source`, when several sources have that sensor):
   * it resolves (resolution `acknowledged`) and its transition is handed over by the next `advance`.
   */
  acknowledgeAlert(rule: string, sensor: string, source: string | undefined, now: number): AlertAcknowledgement {
    const compiled = this.rules.find((candidate) => candidate.spec.name === rule);
    if (!compiled) return { ok: false, reason: 'unknown rule', message: `no rule named ${rule}` };
    const outcome = compiled.acknowledgeAlert(sensor, source, now);
    return outcome ?? { ok: false, reason: 'not an alert rule', message: `rule ${rule} has no alert: nothing to acknowledge` };
  }

  /** Every rule's pending and firing alerts, and the acknowledged ones whose condition still holds. */
  liveAlerts(): LiveAlert[] {
    return this.rules.flatMap((rule) => rule.liveAlerts());
  }

  counters(): RuleCounters[] {
    return this.rules.map((rule) => rule.counters);
  }

  /** Rule errors of every rule together: it changes when any rule's does (a reload can lower it). */
  errorTotal(): number {
    let total = 0;
    for (const rule of this.rules) total += rule.errors;
    return total;
  }

  /** How many sensors (devices, groups) each rule's stages keep state for: bounded once silent sensors are forgotten. */
  trackedSensors(): TrackedSensors[] {
    return this.rules.map((rule) => rule.trackedSensors);
  }
}

/** Who gets which reading: rules (already in dependency order) by the source or rule they read from. */
function routing(rules: CompiledRule[]) {
  const bySource = new Map<string, CompiledRule[]>();
  const fromEverySource: CompiledRule[] = [];
  const downstream = new Map<string, CompiledRule[]>();
  const ruleNames = new Set(rules.map((rule) => rule.spec.name));
  for (const rule of rules) {
    if (rule.spec.from.length === 0) fromEverySource.push(rule);
    for (const name of rule.spec.from) {
      const map = ruleNames.has(name) ? downstream : bySource;
      const list = map.get(name) ?? [];
      list.push(rule);
      map.set(name, list);
    }
  }
  return { rules, bySource, fromEverySource, downstream };
}

/** Whether the results are already in time order (rules whose windows end together): one pass, no sort. */
function inTimeOrder(out: readonly RuleResult[]): boolean {
  for (let i = 1; i < out.length; i++) if (timeOf(out[i - 1]!) > timeOf(out[i]!)) return false;
  return true;
}

/** When a result happened: a window's end, a reading's timestamp. */
function timeOf(result: RuleResult): number {
  return result.kind === 'window' ? result.end : result.timestamp;
}

/** A result as a reading for a rule downstream: the source is the rule that made it. */
function asReading(result: RuleResult, field: string | undefined): Reading | undefined {
  // Alert transitions are events, not measurements: rules downstream do not read them.
  if (result.kind === 'alert' || result.kind === 'event') return undefined;
  if (result.kind === 'reading') {
    return { source: result.rule, sensor: result.sensor, value: result.value, timestamp: result.timestamp, tags: result.tags };
  }
  const name = field ?? ('mean' in result.values ? 'mean' : Object.keys(result.values)[0]);
  const value = name === undefined ? undefined : result.values[name];
  if (value === undefined || !Number.isFinite(value)) return undefined;
  return { source: result.rule, sensor: result.sensor, value, timestamp: result.start, tags: result.tags };
}

/** Orders rules so each comes after the rules it reads from; throws on a cycle. */
function dependencyOrder(specs: readonly RuleSpec[]): RuleSpec[] {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const ordered: RuleSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (spec: RuleSpec, path: string[]) => {
    const seen = state.get(spec.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...path.slice(path.indexOf(spec.name)), spec.name];
      throw new RuleGraphError(`rules read from each other in a circle: ${cycle.join(' → ')}`, cycle);
    }
    state.set(spec.name, 'visiting');
    for (const name of spec.from) {
      const upstream = byName.get(name);
      if (upstream) visit(upstream, [...path, spec.name]);
    }
    state.set(spec.name, 'done');
    ordered.push(spec);
  };
  for (const spec of specs) visit(spec, []);
  return ordered;
}
