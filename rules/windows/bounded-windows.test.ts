import { describe, expect, it } from 'vitest';
import { compileAggregates, type AggregateItem, type CompiledAggregates } from '../aggregates/compile-aggregates.js';
import type { Reading } from '../reading.js';
import type { WindowResult } from '../rule-result.js';
import { BY_SOURCE_AND_SENSOR } from './group-index.js';
import { SessionWindows } from './session-windows.js';
import { TimeWindows } from './time-windows.js';
import type { WindowTiming } from './window-spec.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const S = 1_000;
const DAY = 86_400_000;
const SERIES: AggregateItem[] = ['count', 'mean', 'twa', { integral: { unit: 'h' } }, 'rate'];
const TIMING: WindowTiming = { time: 'event', allowedLatenessMs: 0, late: 'drop', updateWithinMs: 0, empty: 'skip' };

function reading(at: number, value: number): Reading {
  return { source: 'sim', sensor: 'meter/power', value, timestamp: T0 + at, tags: {} };
}

/** The same aggregates, deaf to the fold horizon: they keep every reading, as without max_delay. */
function unfolded(compiled: CompiledAggregates): CompiledAggregates {
  return { outputs: compiled.outputs, create: () => compiled.create() };
}

function sessions(gapMs: number, timing: Partial<WindowTiming>, maxDurationMs?: number, aggregates: AggregateItem[] = ['count', 'min', 'max']) {
  return new SessionWindows('r', { type: 'session', gapMs, maxDurationMs }, { ...TIMING, ...timing }, compileAggregates(aggregates), BY_SOURCE_AND_SENSOR);
}

function advance(operator: { advance(now: number, out: WindowResult[]): void }, at: number): WindowResult[] {
  const out: WindowResult[] = [];
  operator.advance(T0 + at, out);
  return out;
}

/** [start, end] relative to T0, and the values, of each result. */
function spans(results: WindowResult[]): [number, number, Record<string, number>][] {
  return results.map((r) => [r.start - T0, r.end - T0, r.values]);
}

/**
 * A meter reporting every 100 ms, the clock advanced every whole second, `count` readings in order. Returns the most
 * readings the operator ever stored point by point, and the most that were ever newer than the horizon (the clock
 * less max_delay): what it cannot fold.
 */
function runContinuously(operator: TimeWindows | SessionWindows, count: number, maxDelayMs: number) {
  let largest = 0;
  let newerThanHorizon = 0;
  let now = 0;
  const out: WindowResult[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * 100;
    if (at % S === 0) operator.advance(T0 + (now = at), out);
    operator.add(reading(at, 1_000 + ((i * 7919) % 500)));
    largest = Math.max(largest, operator.storedPoints());
    newerThanHorizon = Math.max(newerThanHorizon, (at - (now - maxDelayMs)) / 100 + 1);
  }
  return { largest, newerThanHorizon, out };
}

describe('max_delay', () => {
  it('counts a reading older than the clock less max_delay as late, though its window is still open', () => {
    const window = new TimeWindows('r', { type: 'tumbling', sizeMs: 60 * S, slideMs: 60 * S, offsetMs: 0 }, { ...TIMING, maxDelayMs: 5 * S }, compileAggregates(['count']), BY_SOURCE_AND_SENSOR);
    advance(window, 20 * S);
    window.add(reading(14 * S, 1));
    window.add(reading(15 * S, 2));
    expect(window.counters.late).toBe(1);
    expect(spans(advance(window, 60 * S))).toEqual([[0, 60 * S, { count: 1 }]]);
  });

  it('drops an old straggler that falls inside an open session', () => {
    const session = sessions(10 * S, { maxDelayMs: 5 * S });
    session.add(reading(0, 1));
    session.add(reading(8 * S, 2));
    advance(session, 10 * S);
    session.add(reading(4 * S, 3));
    session.add(reading(6 * S, 4));
    expect(session.counters.late).toBe(1);
    expect(spans(advance(session, 18 * S))).toEqual([[0, 8 * S, { count: 3, min: 1, max: 4 }]]);
  });

  it('lets a day-long window with twa, integral and rate over a 10 Hz meter keep only the readings of the last max_delay', () => {
    const compiled = compileAggregates(SERIES);
    const spec = { type: 'tumbling', sizeMs: DAY, slideMs: DAY, offsetMs: 0 } as const;
    const timing = { ...TIMING, allowedLatenessMs: S, maxDelayMs: 2 * S };
    const folded = new TimeWindows('r', spec, timing, compiled, BY_SOURCE_AND_SENSOR);
    const whole = new TimeWindows('r', spec, timing, unfolded(compiled), BY_SOURCE_AND_SENSOR);
    const run = runContinuously(folded, 100_000, 2 * S);
    runContinuously(whole, 100_000, 2 * S);
    expect(whole.storedPoints()).toBe(100_000);
    // It folds only once its arrays are full (O(1) per reading, nothing allocated), so it stores up to about four
    // times what it cannot fold: here 30 readings newer than the horizon, at most 64 stored.
    expect(run.largest).toBeLessThanOrEqual(4 * run.newerThanHorizon);
    expect(run.largest).toBeLessThanOrEqual(64);
    expect(advance(folded, 2 * DAY)).toEqual(advance(whole, 2 * DAY));
  });

  it('keeps every reading of a window without max_delay, as before', () => {
    const window = new TimeWindows('r', { type: 'tumbling', sizeMs: DAY, slideMs: DAY, offsetMs: 0 }, TIMING, compileAggregates(SERIES), BY_SOURCE_AND_SENSOR);
    runContinuously(window, 10_000, 0);
    expect(window.storedPoints()).toBe(10_000);
  });
});

describe('a session over a meter that never pauses', () => {
  it('holds, after 100,000 readings, only the few newer than the horizon, and emits what keeping all of them would', () => {
    const compiled = compileAggregates(SERIES);
    const timing = { allowedLatenessMs: S, maxDelayMs: 2 * S };
    const folded = new SessionWindows('r', { type: 'session', gapMs: 5 * S }, { ...TIMING, ...timing }, compiled, BY_SOURCE_AND_SENSOR);
    const whole = new SessionWindows('r', { type: 'session', gapMs: 5 * S }, { ...TIMING, ...timing }, unfolded(compiled), BY_SOURCE_AND_SENSOR);
    const run = runContinuously(folded, 100_000, 2 * S);
    runContinuously(whole, 100_000, 2 * S);
    expect(run.out).toEqual([]);
    expect(folded.storedPoints()).toBeLessThanOrEqual(run.largest);
    // It folds only once its arrays are full (O(1) per reading, nothing allocated), so it stores up to about four
    // times what it cannot fold: here 30 readings newer than the horizon, at most 64 stored.
    expect(run.largest).toBeLessThanOrEqual(4 * run.newerThanHorizon);
    expect(run.largest).toBeLessThanOrEqual(64);
    expect(whole.storedPoints()).toBe(100_000);
    const [result] = advance(folded, DAY);
    expect(result!.values['count']).toBe(100_000);
    expect([result]).toEqual(advance(whole, DAY));
  });
});

describe('session max_duration', () => {
  it('closes a session that lasted max_duration, and the next reading starts a new one', () => {
    const session = sessions(5 * S, {}, 60 * S);
    const emitted: [number, number, number][] = [];
    for (let at = 0; at < 150 * S; at += S) {
      for (const r of advance(session, at)) emitted.push([r.start - T0, r.end - T0, at]);
      session.add(reading(at, at / S));
    }
    for (const r of advance(session, 154 * S)) emitted.push([r.start - T0, r.end - T0, 154 * S]);
    // [first, last reading, emitted at]: at first + 60 s, without waiting for a gap; the last one after its gap.
    expect(emitted).toEqual([
      [0, 59 * S, 60 * S],
      [60 * S, 119 * S, 120 * S],
      [120 * S, 149 * S, 154 * S],
    ]);
    expect(session.counters.late).toBe(0);
  });

  it('still ends a session after gap without readings', () => {
    const session = sessions(5 * S, {}, 60 * S);
    session.add(reading(0, 1));
    session.add(reading(3 * S, 2));
    expect(advance(session, 7 * S)).toEqual([]);
    expect(spans(advance(session, 8 * S))).toEqual([[0, 3 * S, { count: 2, min: 1, max: 2 }]]);
  });

  it('counts as late a reading that would have belonged to a session closed by max_duration, and takes one after it', () => {
    const session = sessions(5 * S, { allowedLatenessMs: 2 * S }, 10 * S);
    for (let at = 0; at <= 11 * S; at += S) if (at !== 8 * S && at !== 10 * S) session.add(reading(at, 1));
    expect(spans(advance(session, 12 * S))).toEqual([[0, 9 * S, { count: 9, min: 1, max: 1 }]]);
    session.add(reading(8 * S, 2));
    session.add(reading(10 * S, 3));
    expect(session.counters.late).toBe(1);
    expect(spans(advance(session, 30 * S))).toEqual([[10 * S, 11 * S, { count: 2, min: 1, max: 3 }]]);
  });

  it('does not let a straggler merge two sessions that together would last max_duration or more', () => {
    const session = sessions(5 * S, { allowedLatenessMs: 60 * S }, 12 * S);
    session.add(reading(0, 1));
    session.add(reading(4 * S, 1));
    session.add(reading(13 * S, 2));
    session.add(reading(15 * S, 2));
    // Within the gap of both, but 0 … 15 s would be too long: it joins the earlier one, which it keeps under 12 s.
    session.add(reading(8 * S, 3));
    // Within the gap of both again, and 12 s after the earlier one's start: the later one takes it.
    session.add(reading(12 * S, 4));
    expect(spans(advance(session, 100 * S))).toEqual([
      [0, 8 * S, { count: 3, min: 1, max: 3 }],
      [12 * S, 15 * S, { count: 3, min: 2, max: 4 }],
    ]);
  });

  it('starts a session of its own for a straggler that would stretch either neighbour to max_duration', () => {
    const session = sessions(5 * S, { allowedLatenessMs: 60 * S }, 10 * S);
    for (const at of [0, 4, 8, 12, 16, 20]) session.add(reading(at * S, 1));
    // 10 s after the first session's start, and 10 s before the second one's end.
    session.add(reading(10 * S, 2));
    expect(spans(advance(session, 100 * S))).toEqual([
      [0, 8 * S, { count: 3, min: 1, max: 1 }],
      [10 * S, 10 * S, { count: 1, min: 2, max: 2 }],
      [12 * S, 20 * S, { count: 3, min: 1, max: 1 }],
    ]);
  });

  it('merges two sessions bridged by a straggler when together they stay under max_duration', () => {
    const session = sessions(5 * S, { allowedLatenessMs: 60 * S }, 30 * S);
    session.add(reading(0, 1));
    session.add(reading(8 * S, 2));
    session.add(reading(4 * S, 3));
    expect(spans(advance(session, 100 * S))).toEqual([[0, 8 * S, { count: 3, min: 1, max: 3 }]]);
  });

  it('must be longer than the gap', () => {
    expect(() => sessions(5 * S, {}, 5 * S)).toThrow('max duration must be longer than its gap');
  });
});
