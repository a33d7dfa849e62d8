import { describe, expect, it } from 'vitest';
import { mergeAggregateValues } from './aggregate-merge.js';
import { compileAggregates, type AggregateItem } from './compile-aggregates.js';

/** Emits `items` over readings given as [timestamp, value]. */
function aggregate(items: AggregateItem[], readings: [number, number][]): Record<string, number> {
  const accumulator = compileAggregates(items).create();
  for (const [time, value] of readings) accumulator.add(value, time);
  const out: Record<string, number> = {};
  accumulator.emit(out, 0, 60_000);
  return out;
}

describe('spread', () => {
  it('is the largest value minus the smallest, 0 for one reading, absent for none', () => {
    expect(aggregate(['spread'], [[0, 4], [1, -2.5], [2, 10]])).toEqual({ spread: 12.5 });
    expect(aggregate(['spread'], [[0, 7]])).toEqual({ spread: 0 });
    expect(aggregate(['spread'], [])).toEqual({});
  });

  it('merges consecutive windows exactly when the rule has min and max too', () => {
    const items: AggregateItem[] = ['min', 'max', 'spread'];
    const first = aggregate(items, [[0, 1], [1, 3]]);
    const second = aggregate(items, [[2, 20], [3, 18]]);
    expect(mergeAggregateValues([first, second])).toEqual({ min: 1, max: 20, spread: 19 });
  });

  it('is left out of a merge without min and max: the windows spreads alone do not say it', () => {
    const first = aggregate(['spread'], [[0, 1], [1, 3]]);
    const second = aggregate(['spread'], [[2, 20], [3, 18]]);
    expect(mergeAggregateValues([first, second])).toEqual({});
  });

  it('is offered by name to a rule that misspells it', () => {
    expect(() => compileAggregates(['spred'])).toThrow(/spread/);
  });
});
