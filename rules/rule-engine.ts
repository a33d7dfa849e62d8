import { compileFilterExpression, type ReadingPredicate } from './filter-expression.js';
import type { Reading } from './reading.js';
import type { RuleResult } from './rule-result.js';
import type { RuleSpec } from './rule-spec.js';
import { compileSensorGlob } from './sensor-glob.js';
import { TumblingWindow } from './tumbling-window.js';

/** One rule compiled once at load time into its operators: select → filter → window. */
class CompiledRule {
  private readonly sources: ReadonlySet<string> | undefined;
  private readonly sensorMatchers: ((sensor: string) => boolean)[];
  private readonly where: ReadingPredicate | undefined;
  readonly window: TumblingWindow;
  filteredOut = 0;

  constructor(readonly spec: RuleSpec) {
    this.sources = spec.from.length > 0 ? new Set(spec.from) : undefined;
    this.sensorMatchers = spec.select.map(compileSensorGlob);
    this.where = spec.where === undefined ? undefined : compileFilterExpression(spec.where);
    this.window = new TumblingWindow(spec.name, spec.window, spec.aggregates);
  }

  offer(reading: Reading): void {
    if (this.sources && !this.sources.has(reading.source)) return;
    if (this.sensorMatchers.length > 0 && !this.sensorMatchers.some((matches) => matches(reading.sensor))) return;
    if (this.where && !this.where(reading)) {
      this.filteredOut += 1;
      return;
    }
    this.window.add(reading);
  }
}

/** Counters the agent exposes about the engine, per rule. */
export interface RuleCounters {
  readonly rule: string;
  readonly filteredOut: number;
  readonly lateReadings: number;
}

/**
 * The pure stream engine: readings in, results out. It never reads a clock; the caller moves time with `advance`,
 * so the same rules run live, in tests and in a replay of a recorded file.
 */
export class RuleEngine {
  private readonly rules: CompiledRule[];

  constructor(specs: readonly RuleSpec[]) {
    this.rules = specs.map((spec) => new CompiledRule(spec));
  }

  push(reading: Reading): void {
    if (!Number.isFinite(reading.value)) return;
    for (const rule of this.rules) rule.offer(reading);
  }

  /** Moves event time to `now` and returns the results that became final, oldest first. */
  advance(now: number): RuleResult[] {
    if (this.rules.length === 1) return this.rules[0]!.window.advance(now);
    const results: RuleResult[] = [];
    for (const rule of this.rules) results.push(...rule.window.advance(now));
    return results.sort((a, b) => a.end - b.end);
  }

  counters(): RuleCounters[] {
    return this.rules.map((rule) => ({
      rule: rule.spec.name,
      filteredOut: rule.filteredOut,
      lateReadings: rule.window.lateReadings,
    }));
  }
}
