import { describe, expect, it } from 'vitest';
import type { Reading } from './reading.js';
import { RuleEngine } from './rule-engine.js';
import type { ReadingResult, RuleResult, WindowResult } from './rule-result.js';
import type { RuleSpec } from './rule-spec.js';
import { BY_SOURCE_AND_SENSOR } from './windows/group-index.js';
import type { WindowSpec } from './windows/window-spec.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const HOUR = 3_600_000;
const THREE_DAYS = 72 * HOUR;

const timing = { time: 'event', allowedLatenessMs: 0, late: 'drop', updateWithinMs: 0, empty: 'skip' } as const;
const tumbling = (sizeMs: number, overrides: Partial<WindowSpec> = {}) =>
  ({ type: 'tumbling', sizeMs, slideMs: sizeMs, offsetMs: 0, ...timing, ...overrides }) as WindowSpec;

function rule(name: string, overrides: Partial<RuleSpec> = {}): RuleSpec {
  return { name, from: [], select: [], tags: {}, transform: [], groupBy: BY_SOURCE_AND_SENSOR, window: tumbling(10_000), aggregates: ['count', 'sum'], ...overrides };
}

const reading = (timestamp: number, value = 1, sensor = 'greenhouse/temperature'): Reading => ({ source: 'sim', sensor, value, timestamp, tags: {} });

/**
 * A device whose readings are stamped by its own clock: one reading a second, the engine advanced after each, as
 * the agent does. `clock` maps the true second to what the device's clock says then.
 */
function run(engine: RuleEngine, seconds: Iterable<number>, clock: (second: number) => number, out: RuleResult[]) {
  for (const second of seconds) {
    const now = clock(second);
    engine.push(reading(now, second));
    out.push(...engine.advance(now));
  }
}

const windowsOf = (results: RuleResult[]) => results.filter((r): r is WindowResult => r.kind === 'window');
const total = (results: RuleResult[], name: string) => windowsOf(results).reduce((sum, r) => sum + (r.values[name] ?? 0), 0);

describe('a clock step', () => {
  it('forward by three days at synchronisation: every reading counted once, no run of empty windows', () => {
    const engine = new RuleEngine([rule('summary', { window: tumbling(10_000, { empty: 'emit' }) })]);
    const results: RuleResult[] = [];
    const stale = (second: number) => T0 + second * 1_000;
    const synced = (second: number) => T0 + THREE_DAYS + second * 1_000;
    run(engine, range(0, 600), stale, results); // ten minutes at the stale time
    results.push(...engine.clockStepped(THREE_DAYS, synced(600)));
    run(engine, range(600, 700), synced, results);
    results.push(...engine.advance(synced(700)));

    expect(total(results, 'count')).toBe(700);
    expect(total(results, 'sum')).toBe((699 * 700) / 2);
    const windows = windowsOf(results);
    // 60 windows before the jump, 10 after it: none for the three days the clock skipped.
    expect(windows).toHaveLength(70);
    expect(windows.filter((w) => w.values.count === 0)).toEqual([]);
    expect(windows.slice(0, 60).every((w) => w.start < T0 + 600_000)).toBe(true);
    expect(windows.slice(60).every((w) => w.start >= T0 + THREE_DAYS + 600_000)).toBe(true);
  });

  it('back by an hour in the middle of a window: that window is sent as it is, and nothing is late', () => {
    const engine = new RuleEngine([rule('summary')]);
    const results: RuleResult[] = [];
    const fast = (second: number) => T0 + HOUR + second * 1_000; // an hour ahead until second 25
    const right = (second: number) => T0 + second * 1_000;
    run(engine, range(0, 25), fast, results);
    const flushed = engine.clockStepped(-HOUR, right(25));
    expect(windowsOf(flushed).map((w) => [w.start - T0 - HOUR, w.values.count])).toEqual([[20_000, 5]]);
    results.push(...flushed);
    run(engine, range(25, 60), right, results);
    results.push(...engine.advance(right(70)));

    expect(total(results, 'count')).toBe(60);
    expect(total(results, 'sum')).toBe((59 * 60) / 2);
    expect(engine.counters()[0]).toMatchObject({ late: 0, lateUpdates: 0 });
    // After the step, windows follow the corrected clock, starting with the rest of the interrupted one.
    expect(windowsOf(results).slice(3).map((w) => [w.start - T0, w.values.count])).toEqual([
      [20_000, 5],
      [30_000, 10],
      [40_000, 10],
      [50_000, 10],
    ]);
  });

  it('back: a window open to late updates is not updated by readings after the step', () => {
    const engine = new RuleEngine([rule('summary', { window: tumbling(10_000, { late: 'update', updateWithinMs: 3_600_000 }) })]);
    const results: RuleResult[] = [];
    run(engine, range(0, 30), (s) => T0 + s * 1_000, results);
    results.push(...engine.clockStepped(-20_000, T0 + 10_000));
    // These land in the time of windows already emitted before the step: new windows, not revisions.
    run(engine, range(0, 20), (s) => T0 + 10_000 + s * 1_000, results);
    results.push(...engine.advance(T0 + 40_000));
    expect(windowsOf(results).some((w) => w.revision !== undefined)).toBe(false);
    expect(total(results, 'count')).toBe(50);
  });

  it('session windows end at the step; count windows carry on', () => {
    const engine = new RuleEngine([
      rule('sessions', { window: { type: 'session', gapMs: 5_000, ...timing } }),
      rule('tens', { window: { type: 'count', size: 10, slide: 10, ...timing } }),
    ]);
    const results: RuleResult[] = [];
    run(engine, range(0, 15), (s) => T0 + HOUR + s * 1_000, results);
    results.push(...engine.clockStepped(-HOUR, T0 + 15_000));
    run(engine, range(15, 20), (s) => T0 + s * 1_000, results);
    results.push(...engine.advance(T0 + 30_000));
    const sessions = windowsOf(results).filter((w) => w.rule === 'sessions');
    expect(sessions.map((w) => w.values.count)).toEqual([15, 5]);
    const tens = windowsOf(results).filter((w) => w.rule === 'tens');
    expect(tens.map((w) => w.values.count)).toEqual([10, 10]);
  });

  it('back: a heartbeat keeps beating, a debounced reading is still sent, a throttle_average interval is sent', () => {
    const passOn = (name: string, transform: unknown[]) => rule(name, { transform, window: undefined, aggregates: [] });
    const engine = new RuleEngine([passOn('beat', [{ heartbeat: '10s' }]), passOn('calm', [{ debounce: '5s' }]), passOn('avg', [{ throttle_average: '10s' }])]);
    const results: RuleResult[] = [];
    for (const second of [0, 1, 2]) {
      engine.push(reading(T0 + HOUR + second * 1_000, second));
      results.push(...engine.advance(T0 + HOUR + second * 1_000));
    }
    results.push(...engine.clockStepped(-HOUR, T0 + 3_000));
    for (let second = 3; second <= 30; second++) results.push(...engine.advance(T0 + second * 1_000));
    const by = (name: string) => results.filter((r): r is ReadingResult => r.kind === 'reading' && r.rule === name);
    // Beats every 10 s in the corrected time, not an hour of silence.
    expect(by('beat').map((r) => [r.timestamp - T0, r.value])).toEqual([
      [10_000, 2],
      [20_000, 2],
      [30_000, 2],
    ]);
    // Held since second 2: stable 5 s later, counted across the step.
    expect(by('calm').map((r) => [r.timestamp - T0, r.value])).toEqual([[7_000, 2]]);
    // The interval open at the step is averaged and sent then, stamped with its own end.
    expect(by('avg').map((r) => [r.timestamp - T0 - HOUR, r.value])).toEqual([[10_000, 1]]);
  });

  it('forward: a sensor is not missing, and a pending alert does not fire, just because the clock jumped', () => {
    const alertRule = (name: string, alert: RuleSpec['alert']) => rule(name, { window: undefined, aggregates: [], alert });
    const lifecycle = { for: 0, keep_firing_for: 0, cooldown: 0 };
    const engine = new RuleEngine([
      alertRule('silent', { detector: { kind: 'missing', after: 60_000 }, lifecycle, severity: 'critical' }),
      alertRule('hot', { detector: { kind: 'threshold', above: 30 }, lifecycle: { ...lifecycle, for: 120_000 }, severity: 'warning' }),
      alertRule('odd', { detector: { kind: 'anomaly' }, lifecycle, severity: 'warning' }),
    ]);
    const results: RuleResult[] = [];
    // A reading every 10 s at the stale time, hot from 100 s on: pending, 2 minutes to go before firing.
    for (let second = 0; second <= 100; second += 10) {
      engine.push(reading(T0 + second * 1_000, second >= 100 ? 35 : 20 + (second % 3)));
      results.push(...engine.advance(T0 + second * 1_000));
    }
    results.push(...engine.clockStepped(THREE_DAYS, T0 + THREE_DAYS + 101_000));
    for (let second = 101; second <= 130; second++) results.push(...engine.advance(T0 + THREE_DAYS + second * 1_000));
    engine.push(reading(T0 + THREE_DAYS + 110_000, 35));
    results.push(...engine.advance(T0 + THREE_DAYS + 110_000));
    const alerts = results.filter((r) => r.kind === 'alert').map((r) => `${r.rule} ${(r as { state: string }).state}`);
    // Only the pending hot alert; 30 s after the jump nothing is missing and nothing fired.
    expect(alerts).toEqual(['hot pending']);
    // And `for:` still counts: two minutes after it began (in corrected time) the alert fires.
    engine.push(reading(T0 + THREE_DAYS + 221_000, 35));
    const later = engine.advance(T0 + THREE_DAYS + 221_000).filter((r) => r.kind === 'alert');
    expect(later.map((r) => `${r.rule} ${(r as { state: string }).state}`)).toEqual(['hot firing']);
  });
});

function* range(from: number, to: number): Generator<number> {
  for (let i = from; i < to; i++) yield i;
}
