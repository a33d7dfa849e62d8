import { describe, expect, it } from 'vitest';
import { compileAggregates, type AggregateItem } from './compile-aggregates.js';
import { bucketKey } from './histogram.js';

function aggregate(items: AggregateItem[], values: number[]): Record<string, number> {
  const accumulator = compileAggregates(items).create();
  values.forEach((value, i) => accumulator.add(value, i));
  const out: Record<string, number> = {};
  accumulator.emit(out, 0, values.length);
  return out;
}

describe('histogram', () => {
  it('counts cumulatively like Prometheus, with le_inf counting every value', () => {
    expect(aggregate([{ histogram: { buckets: [0, 10, 20] } }], [-3, 0, 5, 10, 15, 25, 100])).toEqual({
      le_0: 2,
      le_10: 4,
      le_20: 5,
      le_inf: 7,
    });
  });

  it('puts a value equal to a bound into that bound\'s bucket (≤, not <)', () => {
    expect(aggregate([{ histogram: { buckets: [10] } }], [10])).toEqual({ le_10: 1, le_inf: 1 });
  });

  it('sorts bounds written out of order', () => {
    const compiled = compileAggregates([{ histogram: { buckets: [20, -5, 2.5] } }]);
    expect(compiled.outputs).toEqual(['le_m5', 'le_2_5', 'le_20', 'le_inf']);
  });

  it('reports every bucket, zeros included, for a window whose values all fall above the bounds', () => {
    expect(aggregate([{ histogram: { buckets: [1, 2] } }], [5, 6])).toEqual({ le_1: 0, le_2: 0, le_inf: 2 });
  });

  it('merges bucket by bucket', () => {
    const compiled = compileAggregates([{ histogram: { buckets: [0, 10] } }]);
    const a = compiled.create();
    const b = compiled.create();
    [-1, 5].forEach((v, i) => a.add(v, i));
    [5, 50, 0].forEach((v, i) => b.add(v, i));
    a.merge(b);
    const out: Record<string, number> = {};
    a.emit(out, 0, 10);
    expect(out).toEqual({ le_0: 2, le_10: 4, le_inf: 5 });
  });

  it('names bounds with _ for the decimal point and m for minus', () => {
    expect([0, 10, 2.5, -5, -0.25, 1e21].map(bucketKey)).toEqual(['le_0', 'le_10', 'le_2_5', 'le_m5', 'le_m0_25', 'le_1e21']);
  });

  it('sits beside other aggregates in one rule', () => {
    expect(aggregate(['count', { histogram: { buckets: [1] } }, 'max'], [0, 2])).toEqual({ count: 2, le_1: 1, le_inf: 2, max: 2 });
  });
});
