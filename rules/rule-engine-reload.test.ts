import { describe, expect, it } from 'vitest';
import type { Reading } from './reading.js';
import { RuleEngine, RuleGraphError } from './rule-engine.js';
import type { RuleResult, WindowResult } from './rule-result.js';
import type { RuleSpec } from './rule-spec.js';
import { TransformError } from './transforms/compile-transforms.js';
import { BY_SOURCE_AND_SENSOR } from './windows/group-index.js';
import type { WindowSpec } from './windows/window-spec.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const WINDOW_END = T0 + 10_000;

function tumbling(sizeMs: number): WindowSpec {
  return { type: 'tumbling', sizeMs, slideMs: sizeMs, offsetMs: 0, time: 'event', allowedLatenessMs: 0, late: 'drop', updateWithinMs: 0, empty: 'skip' };
}

/** A fresh object each call, as a reloaded config would give: equal by content, never by identity. */
function rule(name: string, overrides: Partial<RuleSpec> = {}): RuleSpec {
  return {
    name,
    from: [],
    select: [],
    tags: {},
    transform: [],
    groupBy: { ...BY_SOURCE_AND_SENSOR, tags: [] },
    window: tumbling(10_000),
    aggregates: ['count', 'sum'],
    ...overrides,
  };
}

function reading(value: number, offset: number, sensor = 't', source = 'sim'): Reading {
  return { source, sensor, value, timestamp: T0 + offset, tags: {} };
}

/** `rule sensor name=value …` per window result, sorted, for compact assertions. */
function summary(results: RuleResult[]): string[] {
  return results
    .filter((result): result is WindowResult => result.kind === 'window')
    .map((r) => `${r.rule} ${r.sensor} ${Object.entries(r.values).map(([name, value]) => `${name}=${value}`).join(' ')}`)
    .sort();
}

describe('RuleEngine.replaceRules', () => {
  it('keeps the open window of a rule whose spec did not change, so readings before and after the swap make one result', () => {
    const engine = new RuleEngine([rule('steady')]);
    engine.push(reading(1, 1_000));
    engine.advance(T0 + 5_000);
    expect(engine.replaceRules([rule('steady')])).toEqual({ kept: ['steady'], added: [], removed: [], changed: [] });
    engine.push(reading(2, 6_000));
    expect(summary(engine.advance(WINDOW_END))).toEqual(['steady t count=2 sum=3']);
  });

  it('continues the counters of a kept rule', () => {
    const engine = new RuleEngine([rule('steady', { where: 'value > 0' })]);
    engine.push(reading(-1, 1_000));
    engine.replaceRules([rule('steady', { where: 'value > 0' })]);
    engine.push(reading(-2, 2_000));
    engine.push(reading(3, 3_000));
    engine.advance(WINDOW_END);
    expect(engine.counters()).toMatchObject([{ rule: 'steady', selected: 3, filteredOut: 2, results: 1 }]);
  });

  it('restarts a rule whose spec changed: its open window is dropped and its new aggregates apply from the swap on', () => {
    const engine = new RuleEngine([rule('r')]);
    engine.push(reading(5, 1_000));
    expect(engine.replaceRules([rule('r', { aggregates: ['count', 'max'] })])).toEqual({ kept: [], added: [], removed: [], changed: ['r'] });
    engine.push(reading(2, 6_000));
    expect(summary(engine.advance(WINDOW_END))).toEqual(['r t count=1 max=2']);
    expect(engine.counters()).toMatchObject([{ rule: 'r', selected: 1 }]);
  });

  it('stops a removed rule: its open windows are never emitted', () => {
    const engine = new RuleEngine([rule('a'), rule('b')]);
    engine.push(reading(1, 1_000));
    expect(engine.replaceRules([rule('a')])).toEqual({ kept: ['a'], added: [], removed: ['b'], changed: [] });
    engine.push(reading(2, 2_000));
    expect(summary(engine.advance(WINDOW_END))).toEqual(['a t count=2 sum=3']);
    expect(engine.counters().map((counters) => counters.rule)).toEqual(['a']);
  });

  it('starts an added rule with the readings that arrive after the swap', () => {
    const engine = new RuleEngine([rule('a')]);
    engine.push(reading(1, 1_000));
    expect(engine.replaceRules([rule('a'), rule('b', { aggregates: ['sum'] })])).toEqual({ kept: ['a'], added: ['b'], removed: [], changed: [] });
    engine.push(reading(2, 2_000));
    expect(summary(engine.advance(WINDOW_END))).toEqual(['a t count=2 sum=3', 'b t sum=2']);
  });

  it('routes by the new sources: a rule whose from changed reads only its new source', () => {
    const engine = new RuleEngine([rule('r', { from: ['sim'] })]);
    engine.replaceRules([rule('r', { from: ['lab'] })]);
    engine.push(reading(1, 1_000, 't', 'sim'));
    engine.push(reading(4, 1_000, 't', 'lab'));
    expect(summary(engine.advance(WINDOW_END))).toEqual(['r t count=1 sum=4']);
  });

  it('keeps a downstream rule whose own spec is unchanged when the rule it reads from changed, and feeds it the new results', () => {
    const downstream = () => rule('hourly', { from: ['fast'], window: tumbling(60_000), aggregates: ['count', 'sum'] });
    const engine = new RuleEngine([rule('fast', { aggregates: ['mean'] }), downstream()]);
    engine.push(reading(4, 1_000));
    engine.advance(WINDOW_END); // fast emits mean 4 into hourly's open window
    const changes = engine.replaceRules([rule('fast', { aggregates: ['max'] }), downstream()]);
    expect(changes).toEqual({ kept: ['hourly'], added: [], removed: [], changed: ['fast'] });
    engine.push(reading(6, 11_000));
    engine.advance(T0 + 20_000); // the new fast has no mean: hourly takes its first value, max 6
    expect(summary(engine.advance(T0 + 60_000))).toEqual(['hourly t count=2 sum=10']);
  });

  it('routes results of a kept rule to a rule added downstream of it', () => {
    const engine = new RuleEngine([rule('fast', { aggregates: ['mean'] })]);
    engine.replaceRules([rule('fast', { aggregates: ['mean'] }), rule('copy', { from: ['fast'], window: undefined })]);
    engine.push(reading(3, 1_000));
    const results = engine.advance(WINDOW_END);
    expect(results.filter((result) => result.rule === 'copy')).toMatchObject([{ kind: 'reading', source: 'fast', value: 3 }]);
  });

  it('throws on a spec that does not compile and leaves every running rule as it was', () => {
    const engine = new RuleEngine([rule('a'), rule('b')]);
    engine.push(reading(1, 1_000));
    expect(() => engine.replaceRules([rule('a', { aggregates: ['max'] }), rule('c'), rule('bad', { transform: [{ multiplyy: 2 }] })])).toThrow(TransformError);
    engine.push(reading(2, 2_000));
    expect(summary(engine.advance(WINDOW_END))).toEqual(['a t count=2 sum=3', 'b t count=2 sum=3']);
  });

  it('throws on rules that read from each other in a circle and leaves the running rules as they were', () => {
    const engine = new RuleEngine([rule('a')]);
    engine.push(reading(1, 1_000));
    expect(() => engine.replaceRules([rule('a'), rule('x', { from: ['y'] }), rule('y', { from: ['x'] })])).toThrow(RuleGraphError);
    engine.push(reading(2, 2_000));
    expect(summary(engine.advance(WINDOW_END))).toEqual(['a t count=2 sum=3']);
  });
});
