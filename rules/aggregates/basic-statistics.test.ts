import { describe, expect, it } from 'vitest';
import { compileAggregates, type AggregateItem } from './compile-aggregates.js';

const BASIC = ['count', 'sum', 'mean', 'min', 'max', 'first', 'last', 'delta'];
const SPREAD = ['variance', 'stddev', 'variance_population', 'stddev_population'];

/** Emits `items` over readings given as [timestamp, value], added in the order listed. */
function aggregate(items: AggregateItem[], readings: [number, number][], start = 0, end = 60_000): Record<string, number> {
  const accumulator = compileAggregates(items).create();
  for (const [time, value] of readings) accumulator.add(value, time);
  const out: Record<string, number> = {};
  accumulator.emit(out, start, end);
  return out;
}

describe('count, sum, mean, min, max', () => {
  it('reports a single reading as its own count, sum, mean, min and max', () => {
    expect(aggregate(BASIC, [[1_000, 21.5]])).toEqual({ count: 1, sum: 21.5, mean: 21.5, min: 21.5, max: 21.5, first: 21.5, last: 21.5, delta: 0 });
  });

  it('summarises two readings', () => {
    expect(aggregate(['count', 'sum', 'mean', 'min', 'max'], [[1_000, 4], [2_000, 10]])).toEqual({ count: 2, sum: 14, mean: 7, min: 4, max: 10 });
  });

  it('handles negative values', () => {
    expect(aggregate(['sum', 'mean', 'min', 'max'], [[0, -5], [1, -1], [2, -12]])).toEqual({ sum: -18, mean: -6, min: -12, max: -1 });
  });

  it('adds without losing small values next to large ones (compensated sum)', () => {
    const out = aggregate(['sum', 'mean'], [[0, 1e16], [1, 1], [2, 1], [3, -1e16]]);
    expect(out).toEqual({ sum: 2, mean: 0.5 });
  });

  it('merges sums without losing what either window kept of the small values', () => {
    const compiled = compileAggregates(['sum']);
    const a = compiled.create();
    const b = compiled.create();
    a.add(1e16, 0);
    a.add(1, 1);
    b.add(1, 2);
    b.add(-1e16, 3);
    a.merge(b);
    const out: Record<string, number> = {};
    a.emit(out, 0, 10);
    expect(out).toEqual({ sum: 2 });
  });

  it('keeps 0.1 + 0.2 + 0.3 as close as a double can be', () => {
    expect(aggregate(['sum'], [[0, 0.1], [1, 0.2], [2, 0.3]]).sum).toBe(0.6);
  });

  it('writes nothing but count and sum for an empty window', () => {
    expect(aggregate([...BASIC, ...SPREAD, 'median', 'twa', 'integral', 'derivative', 'rate'], [])).toEqual({ count: 0, sum: 0 });
  });

  it('emits only the aggregates asked for, in the order asked', () => {
    expect(Object.keys(aggregate(['max', 'count', 'min'], [[0, 1]]))).toEqual(['max', 'count', 'min']);
  });
});

describe('first and last', () => {
  it('go by event time, not by arrival', () => {
    expect(aggregate(['first', 'last', 'delta'], [[5_000, 50], [1_000, 10], [9_000, 90], [3_000, 30]])).toEqual({ first: 10, last: 90, delta: 80 });
  });

  it('on equal times take the earlier arrival as first and the later arrival as last', () => {
    expect(aggregate(['first', 'last'], [[1_000, 1], [1_000, 2], [1_000, 3]])).toEqual({ first: 1, last: 3 });
  });

  it('keep the tie rule when the equal times are the window edges among others', () => {
    const out = aggregate(['first', 'last'], [[5_000, 7], [2_000, 20], [9_000, 90], [2_000, 21], [9_000, 91]]);
    expect(out).toEqual({ first: 20, last: 91 });
  });

  it('give delta as last minus first by time, negative when the value fell', () => {
    expect(aggregate(['delta'], [[2_000, 3], [1_000, 10]])).toEqual({ delta: -7 });
  });
});

describe('variance and standard deviation', () => {
  it('are sample statistics (n − 1)', () => {
    const out = aggregate(SPREAD, [[0, 2], [1, 4], [2, 4], [3, 4], [4, 5], [5, 5], [6, 7], [7, 9]]);
    expect(out.variance).toBeCloseTo(32 / 7, 12);
    expect(out.stddev).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(out.variance_population).toBe(4);
    expect(out.stddev_population).toBe(2);
  });

  it('are absent for a single reading; the population variance of one reading is 0', () => {
    expect(aggregate(SPREAD, [[0, 42]])).toEqual({ variance_population: 0, stddev_population: 0 });
  });

  it('are defined for two readings', () => {
    expect(aggregate(['variance', 'stddev'], [[0, 1], [1, 3]])).toEqual({ variance: 2, stddev: Math.SQRT2 });
  });

  it('are 0 for equal values', () => {
    expect(aggregate(['variance', 'stddev'], [[0, 7.3], [1, 7.3], [2, 7.3]])).toEqual({ variance: 0, stddev: 0 });
  });

  it('stay exact for small deviations around 1e12, where Σx² − (Σx)²/n cancels to noise', () => {
    const values = [4, 7, 13, 16].map((d) => 1e12 + d);
    const out = aggregate(['variance', 'mean'], values.map((v, i) => [i, v]));
    expect(out.variance).toBeCloseTo(30, 9);
    expect(out.mean).toBe(1e12 + 10);
    // The textbook formula, for contrast: catastrophic cancellation.
    const sum = values.reduce((a, b) => a + b, 0);
    const sumOfSquares = values.reduce((a, b) => a + b * b, 0);
    expect(Math.abs((sumOfSquares - (sum * sum) / 4) / 3 - 30)).toBeGreaterThan(1);
  });

  it('stay exact for a million readings of 1e9 + 0.1·k', () => {
    const accumulator = compileAggregates(['variance']).create();
    const n = 1_000_000;
    for (let k = 0; k < n; k++) accumulator.add(1e9 + 0.1 * (k % 10), k);
    const out: Record<string, number> = {};
    accumulator.emit(out, 0, n);
    // The ten distinct doubles, each n / 10 times; their offsets from 1e9 are exact, so this two-pass is too.
    const offsets = Array.from({ length: 10 }, (_, j) => 1e9 + 0.1 * j - 1e9);
    const offsetMean = offsets.reduce((a, b) => a + b, 0) / 10;
    const expected = ((n / 10) * offsets.reduce((a, d) => a + (d - offsetMean) ** 2, 0)) / (n - 1);
    expect(Math.abs(out.variance! / expected - 1)).toBeLessThan(1e-9);
  });
});
