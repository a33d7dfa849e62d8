import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PatternNovelty } from './pattern-novelty.js';

/** The same search done the obvious way, over plain arrays. */
function naiveDistance(series: number[], length: number, history: number): number {
  const kept = series.slice(-(history + length));
  const newest = kept.slice(-length);
  let best = Number.POSITIVE_INFINITY;
  for (let lag = length; lag + length <= kept.length; lag++) {
    const end = kept.length - lag;
    const candidate = kept.slice(end - length, end);
    best = Math.min(best, newest.reduce((sum, value, index) => sum + (value - candidate[index]!) ** 2, 0));
  }
  return Math.sqrt(best);
}

describe('pattern novelty', () => {
  it('finds the nearest earlier stretch exactly as a naive search does', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 12, maxLength: 120 }), fc.integer({ min: 2, max: 4 }), (series, length) => {
        const history = 20;
        const novelty = new PatternNovelty(length, history);
        let distance = Number.NaN;
        for (const value of series) distance = novelty.push(value);
        if (series.length < 3 * length) expect(distance).toBeNaN();
        else expect(distance).toBeCloseTo(naiveDistance(series, length, history), 9);
      }),
    );
  });

  it('says 0 for a repeating shape and more for a shape never seen', () => {
    const novelty = new PatternNovelty(4, 40);
    let distance = Number.NaN;
    for (let index = 0; index < 60; index++) distance = novelty.push(index % 5);
    expect(distance).toBe(0);
    expect(novelty.push(7)).toBeGreaterThan(2);
  });
});
