import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAggregates, type AggregateItem } from './compile-aggregates.js';
import { QuantileStore } from './quantile-store.js';

function aggregate(items: AggregateItem[], values: number[], exactLimit?: number): Record<string, number> {
  const accumulator = compileAggregates(items, { exactLimit }).create();
  values.forEach((value, i) => accumulator.add(value, i));
  const out: Record<string, number> = {};
  accumulator.emit(out, 0, values.length);
  return out;
}

/** A deterministic spread of positive values over several orders of magnitude (no Math.random in tests). */
function logSpread(n: number, seed = 1): number[] {
  let state = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    out.push(Math.exp((state / 2_147_483_648) * 12 - 4));
  }
  return out;
}

function exactPercentile(values: number[], percent: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = ((sorted.length - 1) * percent) / 100;
  const below = Math.floor(rank);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (rank - below) * (sorted[above]! - sorted[below]!);
}

describe('median and percentiles while the window is small (exact)', () => {
  it('interpolate linearly between the closest ranks, like numpy and PERCENTILE.INC', () => {
    // Wikipedia's worked example for the C = 1 variant: the 40th percentile of these is 29.
    expect(aggregate([{ percentile: 40 }], [15, 20, 35, 40, 50])).toEqual({ p40: 29 });
    expect(aggregate(['median', 'p25', 'p95'], [4, 1, 3, 2])).toEqual({ median: 2.5, p25: 1.75, p95: 3.85 });
  });

  it('give the middle value as the median of an odd count and the mean of the two middle ones for an even count', () => {
    expect(aggregate(['median'], [9, 1, 5])).toEqual({ median: 5 });
    expect(aggregate(['median'], [9, 1, 5, 7])).toEqual({ median: 6 });
  });

  it('are the value itself for a single reading', () => {
    expect(aggregate(['median', 'p0', 'p99.9', 'p100'], [3.25])).toEqual({ median: 3.25, p0: 3.25, p99_9: 3.25, p100: 3.25 });
  });

  it('give p0 as the minimum and p100 as the maximum', () => {
    expect(aggregate(['p0', 'p100'], [5, -3, 8, 0])).toEqual({ p0: -3, p100: 8 });
  });

  it('read p99.9 of 0 … 1000 as 999 exactly', () => {
    const values = Array.from({ length: 1001 }, (_, i) => 1000 - i);
    expect(aggregate(['p99.9'], values, 2_000)).toEqual({ p99_9: 999 });
  });

  it('work with negative values and duplicates', () => {
    expect(aggregate(['median', 'p75'], [-1, -1, -1, -10, 4])).toEqual({ median: -1, p75: -1 });
  });

  it('stay exact up to exact_limit values', () => {
    const values = logSpread(1_024);
    const out = aggregate(['p95'], values);
    expect(out.p95).toBe(exactPercentile(values, 95));
  });

  it('can be asked for again after more readings arrive', () => {
    const accumulator = compileAggregates(['median']).create();
    const out: Record<string, number> = {};
    [5, 1, 3].forEach((v, i) => accumulator.add(v, i));
    accumulator.emit(out, 0, 10);
    expect(out.median).toBe(3);
    [0, 0].forEach((v, i) => accumulator.add(v, 10 + i));
    accumulator.emit(out, 0, 20);
    expect(out.median).toBe(1);
  });
});

describe('median and percentiles of large windows (sketch)', () => {
  it('move to the sketch with the first value past exact_limit', () => {
    const store = new QuantileStore(4);
    [1, 2, 3, 4].forEach((v) => store.add(v));
    expect(store.approximate).toBe(false);
    store.add(5);
    expect(store.approximate).toBe(true);
    expect(store.count).toBe(5);
  });

  it('are within 1 % of the exact percentile for 100 000 values over six orders of magnitude', () => {
    const values = logSpread(100_000, 7);
    const out = aggregate(['median', 'p90', 'p95', 'p99', 'p99.9'], values);
    for (const [key, percent] of [['median', 50], ['p90', 90], ['p95', 95], ['p99', 99], ['p99_9', 99.9]] as const) {
      const exact = exactPercentile(values, percent);
      expect(Math.abs(out[key]! - exact) / exact, key).toBeLessThanOrEqual(0.01);
    }
  });

  it('report the exact minimum and maximum as p0 and p100', () => {
    const values = logSpread(5_000, 3);
    const out = aggregate(['p0', 'p100'], values);
    expect(out).toEqual({ p0: Math.min(...values), p100: Math.max(...values) });
  });

  it('handle negative values, zeros and positive values together', () => {
    const values = Array.from({ length: 3_001 }, (_, i) => i - 1_500); // −1500 … 1500, with 0
    const out = aggregate(['p10', 'median', 'p90'], values, 100);
    expect(Math.abs(out.p10! + 1_200)).toBeLessThanOrEqual(12);
    expect(out.median).toBe(0);
    expect(Math.abs(out.p90! - 1_200)).toBeLessThanOrEqual(12);
  });

  it('keep negative values when two sketches merge (sketches-js merge would drop them)', () => {
    const negative = compileAggregates(['p10', 'median'], { exactLimit: 10 });
    const a = negative.create();
    const b = negative.create();
    for (let i = 1; i <= 100; i++) {
      a.add(i, i);
      b.add(-i, i);
    }
    a.merge(b);
    const out: Record<string, number> = {};
    a.emit(out, 0, 200);
    // −100 … −1, 1 … 100: the 10th percentile is near −80, the median between −1 and 1.
    expect(Math.abs(out.p10! + 80.1)).toBeLessThanOrEqual(0.81);
    expect(Math.abs(out.median!)).toBeLessThanOrEqual(1.01);
    expect(a.count).toBe(200);
  });

  it('merge an exact window into a sketched one and a sketched one into an exact one alike', () => {
    const compiled = compileAggregates(['median', 'p99'], { exactLimit: 50 });
    const big = compiled.create();
    const small = compiled.create();
    logSpread(500, 11).forEach((v, i) => big.add(v, i));
    logSpread(20, 12).forEach((v, i) => small.add(v, i));
    const bigIntoSmall = compiled.create();
    bigIntoSmall.merge(small);
    bigIntoSmall.merge(big);
    const smallIntoBig = compiled.create();
    smallIntoBig.merge(big);
    smallIntoBig.merge(small);
    const one: Record<string, number> = {};
    const other: Record<string, number> = {};
    bigIntoSmall.emit(one, 0, 1);
    smallIntoBig.emit(other, 0, 1);
    expect(one).toEqual(other);
    const all = [...logSpread(500, 11), ...logSpread(20, 12)];
    expect(Math.abs(one.median! / exactPercentile(all, 50) - 1)).toBeLessThanOrEqual(0.01);
  });

  it('merge stores one after another as if every value had been added to one (exact, or past the limit a sketch)', () => {
    const parts = fc.array(fc.array(fc.integer({ min: -1_000, max: 1_000 }), { maxLength: 70 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(parts, fc.constantFrom(0, 5, 64, 100, 1_024), (values, exactLimit) => {
        const merged = new QuantileStore(exactLimit);
        const direct = new QuantileStore(exactLimit);
        for (const part of values) {
          const store = new QuantileStore(exactLimit);
          for (const value of part) {
            store.add(value);
            direct.add(value);
          }
          merged.merge(store);
        }
        expect(merged.count).toBe(direct.count);
        expect(merged.approximate).toBe(direct.approximate);
        for (const percent of [0, 25, 50, 95, 100]) expect(merged.percentile(percent)).toBe(direct.percentile(percent));
      }),
    );
  });

  it('can keep no values at all (exact_limit 0): every percentile comes from the sketch', () => {
    const out = aggregate(['median'], [10, 20, 30], 0);
    expect(Math.abs(out.median! - 20)).toBeLessThanOrEqual(0.2);
  });
});

describe('merging stores', () => {
  it('gives the percentiles of one store holding every value, whether the parts were sorted before or not (-0 before 0)', () => {
    const value = fc.oneof(fc.constantFrom(0, -0, 1, -1), fc.double({ min: -1e6, max: 1e6, noNaN: true }));
    fc.assert(
      fc.property(fc.array(fc.array(value, { maxLength: 30 }), { minLength: 1, maxLength: 4 }), fc.boolean(), (parts, sortFirst) => {
        const whole = new QuantileStore(1_024);
        const merged = new QuantileStore(1_024);
        for (const part of parts) {
          const store = new QuantileStore(1_024);
          for (const v of part) {
            store.add(v);
            whole.add(v);
          }
          // A pane already read by an earlier window is sorted; a fresh one is not.
          if (sortFirst) store.percentile(50);
          merged.merge(store);
        }
        for (let percent = 0; percent <= 100; percent += 2.5) {
          expect(Object.is(merged.percentile(percent), whole.percentile(percent)), `p${percent}`).toBe(true);
        }
      }),
    );
  });
});
