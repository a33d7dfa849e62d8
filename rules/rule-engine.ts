import { CompiledRule, type RuleCounters } from './compiled-rule.js';
import type { Reading } from './reading.js';
import type { RuleResult } from './rule-result.js';
import type { RuleSpec } from './rule-spec.js';

export type { RuleCounters } from './compiled-rule.js';

/** Rules that read from each other in a circle can never produce anything; caught when the rules are loaded. */
export class RuleGraphError extends Error {
  constructor(message: string, readonly rules: readonly string[]) {
    super(message);
    this.name = 'RuleGraphError';
  }
}

/**
 * The pure stream engine: readings in, results out. It never reads a clock; the caller moves time with `advance`,
 * so the same rules run live, in tests and in a replay of a recorded file.
 *
 * A rule may read another rule's results (`from: <rule name>`): rules run in dependency order, and each result
 * becomes a reading for the rules downstream within the same `push` or `advance`.
 */
export class RuleEngine {
  /** Rules in dependency order: every rule comes after the rules it reads from. */
  private readonly rules: CompiledRule[];
  /** Rules that read raw readings: per source name, and those that read every source. */
  private readonly bySource = new Map<string, CompiledRule[]>();
  private readonly fromEverySource: CompiledRule[] = [];
  /** Rules downstream of each rule. */
  private readonly downstream = new Map<string, CompiledRule[]>();

  constructor(specs: readonly RuleSpec[]) {
    const ordered = dependencyOrder(specs);
    this.rules = ordered.map((spec) => new CompiledRule(spec));
    const ruleNames = new Set(specs.map((spec) => spec.name));
    for (const rule of this.rules) {
      if (rule.spec.from.length === 0) this.fromEverySource.push(rule);
      for (const name of rule.spec.from) {
        const map = ruleNames.has(name) ? this.downstream : this.bySource;
        const list = map.get(name) ?? [];
        list.push(rule);
        map.set(name, list);
      }
    }
  }

  /** Takes a reading from a source; `now` is when it reached the agent (processing time), its timestamp by default. */
  push(reading: Reading, now: number = reading.timestamp): void {
    if (!Number.isFinite(reading.value) || !Number.isFinite(reading.timestamp)) return;
    for (const rule of this.fromEverySource) rule.offer(reading, now);
    const rules = this.bySource.get(reading.source);
    if (rules) for (const rule of rules) rule.offer(reading, now);
  }

  /** Moves time to `now` and returns every result made since the last call, each rule's in order. */
  advance(now: number): RuleResult[] {
    const out: RuleResult[] = [];
    for (const rule of this.rules) {
      const from = out.length;
      rule.advance(now, out);
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
    if (this.rules.length > 1 && out.length > 1) out.sort((a, b) => timeOf(a) - timeOf(b));
    return out;
  }

  counters(): RuleCounters[] {
    return this.rules.map((rule) => rule.counters);
  }
}

/** When a result happened: a window's end, a reading's timestamp. */
function timeOf(result: RuleResult): number {
  return result.kind === 'window' ? result.end : result.timestamp;
}

/** A result as a reading for a rule downstream: the source is the rule that made it. */
function asReading(result: RuleResult, field: string | undefined): Reading | undefined {
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
