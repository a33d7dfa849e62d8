import { describe, expect, it } from 'vitest';
import { compileFilterExpression } from './filter-expression.js';
import type { Reading, Tags } from './reading.js';
import { RuleEngine } from './rule-engine.js';
import type { RuleResult, WindowResult } from './rule-result.js';
import type { RuleSpec } from './rule-spec.js';
import { BY_SOURCE_AND_SENSOR } from './windows/group-index.js';
import type { WindowSpec } from './windows/window-spec.js';

function tumbling(sizeMs: number, allowedLatenessMs = 0): WindowSpec {
  return { type: 'tumbling', sizeMs, slideMs: sizeMs, offsetMs: 0, time: 'event', allowedLatenessMs, late: 'drop', updateWithinMs: 0, empty: 'skip' };
}

/** The window results of an advance (these rules all have windows). */
function windows(results: RuleResult[]): WindowResult[] {
  return results.filter((result): result is WindowResult => result.kind === 'window');
}

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

function rule(name: string, overrides: Partial<RuleSpec> = {}): RuleSpec {
  return {
    name,
    from: [],
    select: [],
    tags: {},
    transform: [],
    groupBy: BY_SOURCE_AND_SENSOR,
    window: tumbling(10_000),
    aggregates: ['count', 'sum'],
    ...overrides,
  };
}

function reading(sensor: string, value: number, offset = 1_000, source = 'sim', tags: Tags = {}): Reading {
  return { source, sensor, value, timestamp: T0 + offset, tags };
}

/** Which rule saw which sensor, and its sum, for compact assertions. */
function summary(engine: RuleEngine, now: number): string[] {
  return windows(engine.advance(now)).map((r) => `${r.rule} ${r.source}:${r.sensor} count=${r.values.count} sum=${r.values.sum}`);
}

describe('RuleEngine', () => {
  it('reads from every source and sensor when from and select are empty', () => {
    const engine = new RuleEngine([rule('all')]);
    engine.push(reading('a', 1, 1_000, 'sim'));
    engine.push(reading('b', 2, 1_000, 'host'));
    expect(summary(engine, T0 + 10_000).sort()).toEqual(['all host:b count=1 sum=2', 'all sim:a count=1 sum=1']);
  });

  it('reads only the sources listed in from', () => {
    const engine = new RuleEngine([rule('r', { from: ['sim', 'lab'] })]);
    engine.push(reading('a', 1, 1_000, 'sim'));
    engine.push(reading('a', 2, 1_000, 'host'));
    engine.push(reading('a', 4, 1_000, 'lab'));
    expect(summary(engine, T0 + 10_000).sort()).toEqual(['r lab:a count=1 sum=4', 'r sim:a count=1 sum=1']);
  });

  it('reads only the sensors that match one of the select globs', () => {
    const engine = new RuleEngine([rule('r', { select: ['greenhouse/*', 'barn/**'] })]);
    engine.push(reading('greenhouse/temperature', 1));
    engine.push(reading('greenhouse/bed1/moisture', 2));
    engine.push(reading('barn/loft/humidity', 4));
    engine.push(reading('cellar/temperature', 8));
    expect(summary(engine, T0 + 10_000).sort()).toEqual([
      'r sim:barn/loft/humidity count=1 sum=4',
      'r sim:greenhouse/temperature count=1 sum=1',
    ]);
  });

  it('skips readings for which where is false and counts them as filtered out', () => {
    const engine = new RuleEngine([rule('r', { where: 'value > -40 and value < 125' })]);
    engine.push(reading('t', 20));
    engine.push(reading('t', -127));
    engine.push(reading('t', 850));
    engine.push(reading('t', 22));
    expect(summary(engine, T0 + 10_000)).toEqual(['r sim:t count=2 sum=42']);
    expect(engine.counters()).toMatchObject([{ rule: 'r', filteredOut: 2, late: 0 }]);
  });

  it('does not count readings of other sources or sensors as filtered out', () => {
    const engine = new RuleEngine([rule('r', { from: ['sim'], select: ['t'], where: 'value > 0' })]);
    engine.push(reading('t', 1, 1_000, 'host'));
    engine.push(reading('u', 1));
    engine.push(reading('t', -1));
    expect(engine.counters()[0]?.filteredOut).toBe(1);
  });

  it('counts as rule errors the readings an expression or a derived formula cannot compute, per rule', () => {
    const engine = new RuleEngine([
      rule('ratio', { select: ['x'], transform: [{ expression: 'value / tags.base' }] }),
      rule('dew_point', { derive: { inputs: { t: 'temperature', rh: 'humidity' }, expression: 'log(rh) + t', toleranceMs: 5_000, output: 'dew_point' } }),
      rule('plain'),
    ]);
    engine.push(reading('x', 4, 1_000, 'sim', { base: '2' }));
    engine.push(reading('x', 4));
    engine.push(reading('temperature', 20));
    engine.push(reading('humidity', -5));
    engine.push(reading('humidity', 50));
    expect(engine.counters().map(({ rule: name, errors, transformedOut }) => ({ name, errors, transformedOut }))).toEqual([
      { name: 'ratio', errors: 1, transformedOut: 1 },
      { name: 'dew_point', errors: 1, transformedOut: 0 },
      { name: 'plain', errors: 0, transformedOut: 0 },
    ]);
    expect(engine.errorTotal()).toBe(2);
  });

  it('filters on tags', () => {
    const engine = new RuleEngine([rule('north', { where: 'tags.room == "north"' })]);
    engine.push(reading('t', 1, 1_000, 'sim', { room: 'north' }));
    engine.push(reading('u', 2, 1_000, 'sim', { room: 'south' }));
    expect(summary(engine, T0 + 10_000)).toEqual(['north sim:t count=1 sum=1']);
  });

  it('ignores readings whose value is NaN or infinite, without counting them', () => {
    const engine = new RuleEngine([rule('r', { where: 'value > 0' })]);
    engine.push(reading('t', Number.NaN));
    engine.push(reading('t', Number.POSITIVE_INFINITY));
    engine.push(reading('t', Number.NEGATIVE_INFINITY));
    engine.push(reading('t', 3));
    expect(summary(engine, T0 + 10_000)).toEqual(['r sim:t count=1 sum=3']);
    expect(engine.counters()).toMatchObject([{ rule: 'r', filteredOut: 0, late: 0 }]);
  });

  it('gives the same reading to every rule that selects it', () => {
    const engine = new RuleEngine([
      rule('fast', { window: tumbling(5_000, 0) }),
      rule('slow', { aggregates: ['count', 'sum', 'max'] }),
    ]);
    engine.push(reading('t', 1, 1_000));
    engine.push(reading('t', 2, 6_000));
    const results = windows(engine.advance(T0 + 10_000));
    expect(results.map((r) => [r.rule, r.start - T0, r.end - T0, r.values])).toEqual([
      ['fast', 0, 5_000, { count: 1, sum: 1 }],
      ['fast', 5_000, 10_000, { count: 1, sum: 2 }],
      ['slow', 0, 10_000, { count: 2, sum: 3, max: 2 }],
    ]);
  });

  it('returns the results of several rules ordered by end', () => {
    const engine = new RuleEngine([
      rule('minute', { window: tumbling(60_000, 0) }),
      rule('ten-seconds'),
    ]);
    for (let offset = 0; offset < 60_000; offset += 5_000) engine.push(reading('t', 1, offset));
    const results = windows(engine.advance(T0 + 60_000));
    expect(results.map((r) => `${r.rule}@${(r.end - T0) / 1000}`)).toEqual([
      'ten-seconds@10',
      'ten-seconds@20',
      'ten-seconds@30',
      'ten-seconds@40',
      'ten-seconds@50',
      'minute@60',
      'ten-seconds@60',
    ]);
  });

  it('passes what the compiled filter passes when it tests the value range itself, bounds included or not', () => {
    const filters = ['value > -40 and value < 125', 'value >= -40 and value <= 125', 'value < 125 and value >= -40', 'value > 0', 'value <= 0', 'value >= 2.5 && value < 3'];
    const values = [-1e9, -40.000001, -40, -39.5, -0, 0, 2.5, 2.9999, 3, 124.99, 125, 125.0001, 1e9];
    for (const where of filters) {
      const engine = new RuleEngine([rule('r', { where, window: undefined, aggregates: [] })]);
      values.forEach((value, i) => engine.push({ source: 'dev', sensor: 's', value, timestamp: T0 + i, tags: {} }));
      const passed = engine.advance(T0 + values.length).map((result) => (result.kind === 'reading' ? result.value : Number.NaN));
      const expected = values.filter((value, i) => compileFilterExpression(where)({ source: 'dev', sensor: 's', value, timestamp: T0 + i, tags: {} }));
      expect(passed, where).toEqual(expected);
      expect(engine.counters()[0], where).toMatchObject({ filteredOut: values.length - expected.length });
    }
  });

  it('applies each rule’s own where and counts its own filtered readings', () => {
    const engine = new RuleEngine([rule('hot', { where: 'value > 30' }), rule('cold', { where: 'value < 0' })]);
    for (const value of [35, -5, 10, 40]) engine.push(reading('t', value));
    expect(summary(engine, T0 + 10_000)).toEqual(['hot sim:t count=2 sum=75', 'cold sim:t count=1 sum=-5']);
    expect(engine.counters()).toMatchObject([
      { rule: 'hot', selected: 4, filteredOut: 2, late: 0, results: 1 },
      { rule: 'cold', selected: 4, filteredOut: 3, late: 0, results: 1 },
    ]);
  });

  it('counts late readings per rule, by each rule’s own allowed lateness', () => {
    const engine = new RuleEngine([
      rule('strict'),
      rule('lenient', { window: tumbling(10_000, 5_000) }),
    ]);
    engine.advance(T0 + 12_000);
    engine.push(reading('t', 1, 9_000));
    expect(engine.counters().map((c) => [c.rule, c.late])).toEqual([
      ['strict', 1],
      ['lenient', 0],
    ]);
    expect(summary(engine, T0 + 15_000)).toEqual(['lenient sim:t count=1 sum=1']);
  });

  it('produces nothing from no rules', () => {
    const engine = new RuleEngine([]);
    engine.push(reading('t', 1));
    expect(engine.advance(T0 + 60_000)).toEqual([]);
    expect(engine.counters()).toMatchObject([]);
  });

  it('fails at construction on a where expression that does not compile', () => {
    expect(() => new RuleEngine([rule('r', { where: 'value >' })])).toThrow(/Expected expression/);
  });

  it('files readings by arrival time with time: processing, whatever their own timestamp', () => {
    const engine = new RuleEngine([rule('arrival', { window: { ...tumbling(10_000), time: 'processing' } })]);
    engine.push(reading('t', 1, -3_600_000), T0 + 2_000); // a device clock an hour behind
    engine.push(reading('t', 2, 50_000), T0 + 3_000); // and one far ahead
    expect(summary(engine, T0 + 10_000)).toEqual(['arrival sim:t count=2 sum=3']);
  });

  it('selects readings by tag values, a list of values, or any value with *', () => {
    const engine = new RuleEngine([
      rule('north', { tags: { room: ['north'] } }),
      rule('either', { tags: { room: ['north', 'south'] } }),
      rule('tagged', { tags: { room: ['*'] } }),
    ]);
    engine.push(reading('t', 1, 1_000, 'sim', { room: 'north' }));
    engine.push(reading('t', 2, 1_000, 'sim', { room: 'south' }));
    engine.push(reading('t', 4, 1_000, 'sim', { room: 'east' }));
    engine.push(reading('t', 8, 1_000, 'sim'));
    expect(summary(engine, T0 + 10_000)).toEqual(['north sim:t count=1 sum=1', 'either sim:t count=2 sum=3', 'tagged sim:t count=3 sum=7']);
  });

  it('passes readings on as results when a rule has no window, after its transforms', () => {
    const engine = new RuleEngine([rule('f', { window: undefined, transform: [{ convert: { from: 'C', to: 'F' } }, { rename: '{sensor}_f' }] })]);
    engine.push(reading('t', 100, 1_000));
    expect(engine.advance(T0 + 1_000)).toEqual([
      { kind: 'reading', rule: 'f', source: 'sim', sensor: 't_f', tags: {}, timestamp: T0 + 1_000, value: 212 },
    ]);
  });

  it('feeds one rule’s window results into another rule that reads from it, in the same advance', () => {
    const engine = new RuleEngine([
      rule('minute', { from: ['ten'], field: 'sum', window: tumbling(60_000), aggregates: ['count', 'sum'] }),
      rule('ten', { window: tumbling(10_000) }),
    ]);
    for (let offset = 0; offset < 60_000; offset += 5_000) engine.push(reading('t', 1, offset));
    const results = windows(engine.advance(T0 + 60_000));
    expect(results.filter((r) => r.rule === 'minute').map((r) => [r.source, r.sensor, r.start - T0, r.values])).toEqual([
      ['ten', 't', 0, { count: 6, sum: 12 }],
    ]);
  });

  it('windows the values of steps that only map the value (multiply, offset, round) as a copy of each reading would give', () => {
    const transform = [{ multiply: 1.01 }, { offset: -0.2 }, { round: 1 }];
    const mapped = (v: number) => Math.round((v * 1.01 - 0.2) * 10) / 10;
    const engine = new RuleEngine([
      rule('steps', { transform, aggregates: ['count', 'sum', 'min', 'max', 'median'] }),
      // Passed on one by one (no window): each reading is a transformed copy.
      rule('copies', { transform, window: undefined, aggregates: [] }),
    ]);
    const values = [20.04, 31.5, -7.25, 88.88, 20.04];
    values.forEach((value, i) => engine.push(reading('t', value, 1_000 + i * 100, 'sim', { room: 'north' })));
    const results = engine.advance(T0 + 20_000);
    const copies = results.filter((r) => r.kind === 'reading').map((r) => (r.kind === 'reading' ? r.value : Number.NaN));
    expect(copies).toEqual(values.map(mapped));
    const [window] = windows(results);
    expect(window!.tags).toEqual({ room: 'north' });
    expect(window!.values).toEqual({ count: 5, sum: copies.reduce((a, b) => a + b, 0), min: Math.min(...copies), max: Math.max(...copies), median: [...copies].sort((a, b) => a - b)[2] });
  });

  it('refuses rules that read from each other in a circle', () => {
    expect(() => new RuleEngine([rule('a', { from: ['b'] }), rule('b', { from: ['a'] })])).toThrow(
      'rules read from each other in a circle: a → b → a',
    );
  });
});
