import { describe, expect, it } from 'vitest';
import {
  AGGREGATE_HELP,
  AggregateError,
  checkAggregates,
  compileAggregates,
  type AggregateItem,
} from './compile-aggregates.js';
import { QuantileStore } from './quantile-store.js';

function compileError(items: AggregateItem[], options?: { exactLimit?: number }): AggregateError {
  try {
    compileAggregates(items, options);
  } catch (error) {
    if (error instanceof AggregateError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(items)} compiled`);
}

describe('output keys', () => {
  it('are the names written, in the order written', () => {
    expect(compileAggregates(['count', 'mean', 'min', 'max', 'first', 'last', 'twa', 'mean_time_weighted']).outputs).toEqual([
      'count', 'mean', 'min', 'max', 'first', 'last', 'twa', 'mean_time_weighted',
    ]);
  });

  it('name percentiles pNN with _ for the decimal point, however they are written', () => {
    expect(compileAggregates(['p50', 'p95', 'p99.9', { percentile: 99.99 }, { percentile: 90 }, 'median']).outputs).toEqual([
      'p50', 'p95', 'p99_9', 'p99_99', 'p90', 'median',
    ]);
  });

  it('keep a percentile name as written, so p05 is reported as p05', () => {
    expect(compileAggregates(['p05', 'p99.90', { percentile: 5 }]).outputs).toEqual(['p05', 'p99_90', 'p5']);
  });

  it('are integral, derivative and rate whatever their unit', () => {
    expect(compileAggregates([{ integral: { unit: 'h' } }, { derivative: { unit: '1m' } }, 'rate']).outputs).toEqual([
      'integral', 'derivative', 'rate',
    ]);
  });

  it('accept `- mean:` (a name with no options, which YAML reads as { mean: null })', () => {
    expect(compileAggregates([{ mean: null }, { p95: null }, { integral: null }]).outputs).toEqual(['mean', 'p95', 'integral']);
  });
});

describe('shared window state', () => {
  it('keeps one value store for every percentile and the median of a rule', () => {
    const accumulator = compileAggregates(['median', 'p95', { percentile: 99.9 }]).create() as unknown as Record<string, unknown>;
    const stores = Object.values(accumulator).filter((part) => part instanceof QuantileStore);
    expect(stores).toHaveLength(1);
  });

  it('keeps no values for a rule without percentiles', () => {
    const accumulator = compileAggregates(['count', 'mean', 'stddev']).create() as unknown as Record<string, unknown>;
    expect(Object.values(accumulator).some((part) => part instanceof QuantileStore)).toBe(false);
  });

  it('gives each window its own state', () => {
    const compiled = compileAggregates(['count', 'median']);
    const a = compiled.create();
    const b = compiled.create();
    a.add(1, 0);
    a.add(3, 1);
    b.add(10, 0);
    const outA: Record<string, number> = {};
    const outB: Record<string, number> = {};
    a.emit(outA, 0, 1);
    b.emit(outB, 0, 1);
    expect([outA, outB]).toEqual([{ count: 2, median: 2 }, { count: 1, median: 10 }]);
    expect([a.count, b.count]).toEqual([2, 1]);
  });

  it('refuses to merge windows of two different aggregate lists', () => {
    const a = compileAggregates(['count']).create();
    const b = compileAggregates(['count']).create();
    expect(() => a.merge(b)).toThrow('cannot merge windows of two different aggregate lists');
  });
});

describe('mistakes in the aggregate list', () => {
  it('name an unknown aggregate, suggest the one meant, and list what exists', () => {
    const error = compileError(['count', 'avg']);
    expect(error.message).toBe(`unknown aggregate "avg" (did you mean "mean"?); available: ${AGGREGATE_HELP}`);
    expect(error.index).toBe(1);
    expect(compileError(['stdev']).message).toMatch(/^unknown aggregate "stdev" \(did you mean "stddev"\?\)/);
    expect(compileError(['maxx']).message).toMatch(/^unknown aggregate "maxx" \(did you mean "max"\?\)/);
    expect(compileError(['intergal']).message).toMatch(/^unknown aggregate "intergal" \(did you mean "integral"\?\)/);
    expect(compileError(['wibble']).message).toMatch(/^unknown aggregate "wibble"; available: count, sum, mean, /);
    expect(compileError([{ avg: {} }]).message).toMatch(/^unknown aggregate "avg" \(did you mean "mean"\?\)/);
  });

  it('has one line of help that names every aggregate', () => {
    expect(AGGREGATE_HELP).not.toContain('\n');
    for (const name of ['count', 'sum', 'mean', 'min', 'max', 'first', 'last', 'delta', 'stddev', 'variance', 'median', 'twa', 'integral', 'derivative', 'rate', 'histogram', 'percentile']) {
      expect(AGGREGATE_HELP).toContain(name);
    }
  });

  it('reject options on an aggregate that takes none', () => {
    expect(compileError([{ mean: { unit: 'h' } }]).message).toBe('mean: takes no options; write it as a plain name: - mean');
  });

  it('reject unknown options, suggesting the one meant', () => {
    expect(compileError([{ integral: { units: 'h' } }]).message).toBe('integral: unknown option "units" (did you mean "unit"?); allowed: unit');
    expect(compileError([{ histogram: { bucket: [1] } }]).message).toBe('histogram: unknown option "bucket" (did you mean "buckets"?); allowed: buckets');
  });

  it('reject a unit that is not a time unit or duration', () => {
    expect(compileError([{ integral: { unit: 'hour' } }]).message).toBe(
      'integral.unit: expected a unit such as s, m or h, or a duration such as 15m, got the text "hour"',
    );
    expect(compileError([{ rate: { unit: 60 } }]).message).toMatch(/^rate\.unit: expected a unit/);
    expect(compileError([{ derivative: { unit: '0s' } }]).message).toMatch(/^derivative\.unit: expected a unit/);
    expect(compileError([{ integral: 'h' }]).message).toBe('integral: expected options as a mapping such as { unit: h }, got the text "h"');
  });

  it('reject percentiles outside 0 … 100 and percentiles that are not numbers', () => {
    expect(compileError(['p101']).message).toBe('p101: a percentile is from 0 to 100, got 101');
    expect(compileError(['p999']).message).toBe('p999: a percentile is from 0 to 100, got 999 (for 99.9 write p99.9)');
    expect(compileError(['p100.5']).message).toBe('p100.5: a percentile is from 0 to 100, got 100.5');
    expect(compileError([{ percentile: 100.5 }]).message).toBe('percentile: a percentile is from 0 to 100, got 100.5');
    expect(compileError([{ percentile: 'p95' }]).message).toBe('percentile: expected a number from 0 to 100 such as 99.9, got the text "p95"');
    expect(compileError(['percentile']).message).toBe('percentile: expected a number from 0 to 100 such as 99.9, got nothing');
  });

  it('reject a histogram without buckets, with bounds that are not numbers, or with a bound twice', () => {
    expect(compileError(['histogram']).message).toBe('histogram: needs its bucket bounds, e.g. { histogram: { buckets: [0, 10, 20] } }');
    expect(compileError([{ histogram: { buckets: [] } }]).message).toBe(
      'histogram.buckets: expected a list of upper bounds such as [0, 10, 20], got []',
    );
    expect(compileError([{ histogram: { buckets: [1, 'x'] } }]).message).toBe(
      'histogram.buckets: every bound must be a number (le_inf is always added), got the text "x"',
    );
    expect(compileError([{ histogram: { buckets: [1, 5, 1] } }]).message).toBe('histogram.buckets: 1 is listed twice');
  });

  it('reject two aggregates that would write the same key, blaming the second', () => {
    const error = compileError(['count', 'p50', { percentile: 50 }]);
    expect(error.message).toBe('output "p50" would be written by both p50 and {"percentile":50}; keep one');
    expect(error.index).toBe(2);
    expect(compileError(['mean', 'mean']).message).toBe('output "mean" would be written by both mean and mean; keep one');
    expect(compileError([{ integral: { unit: 'h' } }, { integral: { unit: 's' } }]).index).toBe(1);
  });

  it('reject an item that is neither a name nor a mapping with one key', () => {
    expect(compileError([{ integral: {}, rate: {} }]).message).toBe(
      'an aggregate with options is a mapping with one key, such as { integral: { unit: h } }; got 2 keys (integral, rate)',
    );
    expect(compileError([42 as unknown as string]).message).toBe(
      'an aggregate is a name such as mean, or a mapping such as { integral: { unit: h } }; got 42',
    );
  });

  it('reject an exact_limit that is not a whole number of 0 or more', () => {
    expect(compileError(['median'], { exactLimit: -1 }).message).toBe('exact_limit: expected a whole number of values, 0 or more, got -1');
    expect(compileError(['median'], { exactLimit: 1.5 }).index).toBeUndefined();
  });

  it('can be checked without throwing, for a zod refinement', () => {
    expect(checkAggregates(['count', 'p95'])).toBeUndefined();
    expect(checkAggregates(['count', 'avg'])?.index).toBe(1);
  });
});
