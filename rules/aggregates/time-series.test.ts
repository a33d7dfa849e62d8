import { describe, expect, it } from 'vitest';
import { compileAggregates, type AggregateItem } from './compile-aggregates.js';
import { TimeSeries } from './time-series.js';

const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;

/** Emits `items` over readings given as [timestamp, value], added in the order listed, for the window [start, end). */
function aggregate(items: AggregateItem[], readings: [number, number][], start = 0, end = 60 * SECOND): Record<string, number> {
  const accumulator = compileAggregates(items).create();
  for (const [time, value] of readings) accumulator.add(value, time);
  const out: Record<string, number> = {};
  accumulator.emit(out, start, end);
  return out;
}

function contents(series: TimeSeries): [number, number][] {
  return Array.from({ length: series.storedPoints }, (_, i) => [series.timeAt(i), series.valueAt(i)]);
}

/** Every order-dependent result of a series, for comparing a folded series with one that kept every reading. */
function resultsOf(series: TimeSeries, end: number) {
  return { twa: series.timeWeightedMean(end), integral: series.integral(SECOND), rate: series.counterRate(SECOND), size: series.size };
}

describe('the time-ordered series of a window', () => {
  it('appends readings that arrive in order and places late ones by their time', () => {
    const series = new TimeSeries(2);
    for (const [time, value] of [[10, 1], [30, 3], [20, 2], [5, 0], [40, 4], [25, 2.5]] as const) series.add(time, value);
    expect(contents(series)).toEqual([[5, 0], [10, 1], [20, 2], [25, 2.5], [30, 3], [40, 4]]);
  });

  it('keeps readings with equal times in arrival order, a late one after those already there', () => {
    const series = new TimeSeries();
    for (const [time, value] of [[10, 1], [20, 2], [10, 3], [10, 4]] as const) series.add(time, value);
    expect(contents(series)).toEqual([[10, 1], [10, 3], [10, 4], [20, 2]]);
  });

  it('merges interleaved series into one ordered series, the merged one after on equal times', () => {
    const a = new TimeSeries();
    const b = new TimeSeries();
    for (const [time, value] of [[1, 1], [3, 3], [5, 5]] as const) a.add(time, value);
    for (const [time, value] of [[0, 0], [3, 33], [4, 4], [9, 9]] as const) b.add(time, value);
    a.merge(b);
    expect(contents(a)).toEqual([[0, 0], [1, 1], [3, 3], [3, 33], [4, 4], [5, 5], [9, 9]]);
    expect(b.size).toBe(4);
  });

  it('appends a merged series that starts after it ends', () => {
    const a = new TimeSeries(1);
    const b = new TimeSeries();
    a.add(1, 1);
    for (let i = 2; i < 40; i++) b.add(i, i);
    a.merge(b);
    expect(contents(a)).toEqual(Array.from({ length: 39 }, (_, i) => [i + 1, i + 1]));
  });
});

describe('folding the readings before the horizon', () => {
  it('gives bit for bit the same twa, integral and rate, keeping the last folded reading as a point', () => {
    const folded = new TimeSeries();
    const whole = new TimeSeries();
    const readings: [number, number][] = [[0, 5], [1_000, 7], [1_000, 3], [2_500, 100], [4_000, 90], [7_000, 0.1], [9_000, 12]];
    for (const [time, value] of readings) {
      folded.add(time, value);
      whole.add(time, value);
    }
    folded.foldBefore(4_000);
    expect(contents(folded)).toEqual([[2_500, 100], [4_000, 90], [7_000, 0.1], [9_000, 12]]);
    expect(folded.size).toBe(7);
    expect(resultsOf(folded, 10_000)).toEqual(resultsOf(whole, 10_000));
    // A reading after the horizon still goes to its place, between stored readings.
    folded.add(5_000, -4);
    whole.add(5_000, -4);
    folded.foldBefore(8_000);
    expect(folded.storedPoints).toBe(2);
    expect(resultsOf(folded, 10_000)).toEqual(resultsOf(whole, 10_000));
  });

  it('folds when full as far as the horizon allows, so the stored readings stay few however many come', () => {
    const horizon = { time: Number.NEGATIVE_INFINITY };
    const folded = new TimeSeries(16, horizon);
    const whole = new TimeSeries();
    for (let i = 0; i < 100_000; i++) {
      horizon.time = (i - 3) * 100;
      folded.add(i * 100, (i * 7919) % 1000);
      whole.add(i * 100, (i * 7919) % 1000);
    }
    expect(folded.size).toBe(100_000);
    expect(folded.storedPoints).toBeLessThanOrEqual(16);
    expect(resultsOf(folded, 10_000_000)).toEqual(resultsOf(whole, 10_000_000));
  });

  it('keeps what readings at one instant need: the last one holds, or their plain mean when no time is covered', () => {
    const folded = new TimeSeries();
    for (const value of [1, 2, 6, 7]) folded.add(10, value);
    folded.add(20, 4);
    folded.foldBefore(15);
    expect(folded.storedPoints).toBe(2);
    expect(folded.timeWeightedMean(20)).toBe(7);
    const instant = new TimeSeries();
    for (const value of [1, 2, 6]) instant.add(10, value);
    instant.foldBefore(11);
    expect(instant.storedPoints).toBe(1);
    expect(instant.timeWeightedMean(10)).toBe(3);
  });

  it('merges a folded series that starts at or after its end, and one after its folded part', () => {
    const a = new TimeSeries();
    const b = new TimeSeries();
    const whole = new TimeSeries();
    for (let i = 0; i < 10; i++) {
      (i < 5 ? a : b).add(i * 1_000, i * i);
      whole.add(i * 1_000, i * i);
    }
    b.foldBefore(8_000);
    a.merge(b);
    expect(a.size).toBe(10);
    expect(contents(a)).toEqual([[7_000, 49], [8_000, 64], [9_000, 81]]);
    const close = (x: number | undefined, y: number | undefined) => expect(Math.abs(x! - y!)).toBeLessThanOrEqual(1e-12 * Math.abs(y!));
    const merged = resultsOf(a, 10_000);
    const expected = resultsOf(whole, 10_000);
    close(merged.twa, expected.twa);
    close(merged.integral, expected.integral);
    close(merged.rate, expected.rate);

    const folded = new TimeSeries();
    for (const [time, value] of [[0, 1], [10, 2], [20, 3], [30, 4]] as const) folded.add(time, value);
    folded.foldBefore(25);
    const later = new TimeSeries();
    later.add(20, 9);
    later.add(35, 5);
    folded.merge(later);
    expect(contents(folded)).toEqual([[20, 3], [20, 9], [30, 4], [35, 5]]);
  });

  it('refuses a merge that would put readings between folded ones', () => {
    const folded = new TimeSeries();
    for (const time of [0, 10, 20, 30]) folded.add(time, 1);
    folded.foldBefore(25);
    const earlier = new TimeSeries();
    earlier.add(5, 1);
    expect(() => folded.merge(earlier)).toThrow('interleave with a folded part');
    const plain = new TimeSeries();
    for (const time of [1, 40]) plain.add(time, 1);
    const foldedOther = new TimeSeries();
    for (const time of [0, 10, 20, 30]) foldedOther.add(time, 1);
    foldedOther.foldBefore(25);
    expect(() => plain.merge(foldedOther)).toThrow('interleave with a folded part');
  });

  it('forgets the folded part on clear', () => {
    const series = new TimeSeries();
    for (const time of [0, 10, 20, 30]) series.add(time, 2);
    series.foldBefore(25);
    series.clear();
    series.add(100, 4);
    expect(series.size).toBe(1);
    expect(resultsOf(series, 200)).toEqual({ twa: 4, integral: 0, rate: undefined, size: 1 });
  });
});

describe('mean_time_weighted (twa)', () => {
  it('holds each value until the next reading and the last one until the window end', () => {
    // 10 for 10 s, 20 for 20 s, 40 for the last 30 s of the minute.
    expect(aggregate(['twa'], [[0, 10], [10 * SECOND, 20], [30 * SECOND, 40]])).toEqual({ twa: (100 + 400 + 1200) / 60 });
  });

  it('does not count the time before the first reading', () => {
    // Nothing is known for the first 30 s: 10 for 15 s, 30 for 15 s.
    expect(aggregate(['mean_time_weighted'], [[30 * SECOND, 10], [45 * SECOND, 30]])).toEqual({ mean_time_weighted: 20 });
  });

  it('gives more weight to a value that held longer than to a burst of readings', () => {
    const out = aggregate(['twa', 'mean'], [[0, 0], [50 * SECOND, 100], [51 * SECOND, 100], [52 * SECOND, 100], [53 * SECOND, 0]]);
    expect(out.mean).toBe(60);
    expect(out.twa).toBeCloseTo(300 / 60, 12);
  });

  it('is the value of a single reading, whether or not it held for any time', () => {
    expect(aggregate(['twa'], [[20 * SECOND, 7]])).toEqual({ twa: 7 });
    expect(aggregate(['twa'], [[60 * SECOND, 7]], 0, 60 * SECOND)).toEqual({ twa: 7 });
  });

  it('is the plain mean when all readings share the window end, so no time is covered', () => {
    expect(aggregate(['twa'], [[10, 1], [10, 2], [10, 6]], 0, 10)).toEqual({ twa: 3 });
  });

  it('lets the last of readings with equal times hold, the others for no time', () => {
    expect(aggregate(['twa'], [[0, 1], [0, 5]], 0, 10)).toEqual({ twa: 5 });
  });

  it('is the same whatever order the readings arrive in', () => {
    const readings: [number, number][] = [[0, 10], [10 * SECOND, 20], [30 * SECOND, 40], [31 * SECOND, -5]];
    const inOrder = aggregate(['twa'], readings);
    const shuffled = aggregate(['twa'], [readings[2]!, readings[0]!, readings[3]!, readings[1]!]);
    expect(shuffled).toEqual(inOrder);
  });
});

describe('integral', () => {
  it('of a constant 100 W over one hour in unit h is 100 Wh', () => {
    expect(aggregate([{ integral: { unit: 'h' } }], [[0, 100], [HOUR, 100]], 0, HOUR)).toEqual({ integral: 100 });
  });

  it('accepts a duration as unit: 1h is h', () => {
    expect(aggregate([{ integral: { unit: '1h' } }], [[0, 100], [30 * MINUTE, 100], [HOUR, 100]], 0, HOUR)).toEqual({ integral: 100 });
  });

  it('is in value × seconds by default', () => {
    expect(aggregate(['integral'], [[0, 2], [10 * SECOND, 2]])).toEqual({ integral: 20 });
  });

  it('uses the trapezoidal rule between readings', () => {
    // A ramp from 0 to 10 over 10 s, then flat for 10 s: 50 + 100.
    expect(aggregate(['integral'], [[0, 0], [10 * SECOND, 10], [20 * SECOND, 10]])).toEqual({ integral: 150 });
  });

  it('is negative below zero', () => {
    expect(aggregate([{ integral: { unit: 's' } }], [[0, -3], [2 * SECOND, -1]])).toEqual({ integral: -4 });
  });

  it('is 0 for a single reading and for readings at one instant', () => {
    expect(aggregate(['integral'], [[5, 100]])).toEqual({ integral: 0 });
    expect(aggregate(['integral'], [[5, 100], [5, 200]])).toEqual({ integral: 0 });
  });

  it('sorts readings that arrive out of order', () => {
    expect(aggregate([{ integral: { unit: 'm' } }], [[MINUTE, 10], [0, 0], [2 * MINUTE, 10]], 0, 3 * MINUTE)).toEqual({ integral: 15 });
  });
});

describe('derivative', () => {
  it('is (last − first) / (time between them), per second by default', () => {
    expect(aggregate(['derivative'], [[0, 10], [5 * SECOND, 0], [10 * SECOND, 30]])).toEqual({ derivative: 2 });
  });

  it('converts to the unit asked for', () => {
    expect(aggregate([{ derivative: { unit: '1m' } }], [[0, 10], [10 * SECOND, 30]])).toEqual({ derivative: 120 });
    expect(aggregate([{ derivative: { unit: 'h' } }], [[0, 10], [10 * SECOND, 30]])).toEqual({ derivative: 7200 });
  });

  it('goes by event time when readings arrive out of order', () => {
    expect(aggregate(['derivative'], [[10 * SECOND, 30], [0, 10]])).toEqual({ derivative: 2 });
  });

  it('is negative for a falling value', () => {
    expect(aggregate(['derivative'], [[0, 30], [10 * SECOND, 10]])).toEqual({ derivative: -2 });
  });

  it('is absent for a single reading and for readings at one instant', () => {
    expect(aggregate(['derivative'], [[0, 30]])).toEqual({});
    expect(aggregate(['derivative'], [[0, 30], [0, 40]])).toEqual({});
  });
});

describe('rate', () => {
  it('is the increase of a counter per second by default', () => {
    expect(aggregate(['rate'], [[0, 100], [10 * SECOND, 150], [20 * SECOND, 300]])).toEqual({ rate: 10 });
  });

  it('counts the value after a reset as increase from zero, like Prometheus', () => {
    // +50, reset (counts 20), +30: 100 over 30 s.
    expect(aggregate([{ rate: { unit: '1s' } }], [[0, 100], [10 * SECOND, 150], [20 * SECOND, 20], [30 * SECOND, 50]])).toEqual({
      rate: 100 / 30,
    });
  });

  it('differs from derivative across a reset, where derivative is negative', () => {
    const out = aggregate(['rate', 'derivative'], [[0, 1_000], [10 * SECOND, 10]]);
    expect(out).toEqual({ rate: 1, derivative: -99 });
  });

  it('puts readings in time order before looking for resets', () => {
    // Arriving 150, 100: a reset if taken in arrival order; in time order a plain increase.
    expect(aggregate([{ rate: { unit: 'm' } }], [[10 * SECOND, 150], [0, 100]])).toEqual({ rate: 300 });
  });

  it('is absent for a single reading and for readings at one instant', () => {
    expect(aggregate(['rate'], [[0, 30]])).toEqual({});
    expect(aggregate(['rate'], [[0, 30], [0, 40]])).toEqual({});
  });
});

describe('one series for all time-ordered aggregates', () => {
  it('is kept only when a rule asks for twa, integral or rate', () => {
    const plain = compileAggregates(['mean', 'derivative', 'p95']).create() as unknown as { series?: TimeSeries };
    const timed = compileAggregates(['twa', 'integral', { rate: { unit: 'm' } }]).create() as unknown as { series?: TimeSeries };
    expect(plain.series).toBeUndefined();
    expect(timed.series).toBeInstanceOf(TimeSeries);
  });
});
