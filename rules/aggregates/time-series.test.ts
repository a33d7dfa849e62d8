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
  return Array.from({ length: series.size }, (_, i) => [series.timeAt(i), series.valueAt(i)]);
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
