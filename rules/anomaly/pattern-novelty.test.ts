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

/**
 * The same search as the detector defines it, every candidate summed in full: newest reading first, as the answer's
 * last bits depend on the order. The running sums must give exactly this, not merely something close.
 */
function directDistance(series: readonly number[], length: number, history: number): number {
  const kept = series.slice(-(history + length));
  const newestEnd = kept.length - 1;
  let best = Number.POSITIVE_INFINITY;
  for (let lag = length; lag + length <= kept.length; lag++) {
    let distance = 0;
    for (let offset = 0; offset < length; offset++) {
      const difference = kept[newestEnd - offset]! - kept[newestEnd - lag - offset]!;
      distance += difference * difference;
    }
    if (distance < best) best = distance;
  }
  return Math.sqrt(best);
}

describe('pattern novelty', () => {
  it('gives bit for bit the direct search\'s distance at every reading, through the running sums and their refreshes', () => {
    // Readings far from 0 with small differences are where rounding moves the running sums most.
    const reading = fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.double({ min: -1, max: 1, noNaN: true }),
      fc.double({ min: 1e6, max: 1e6 + 1e-3, noNaN: true }),
      fc.constantFrom(0, 1e9, -1e12, 1e-300),
    );
    fc.assert(
      fc.property(fc.array(reading, { minLength: 40, maxLength: 400 }), fc.integer({ min: 2, max: 5 }), (series, length) => {
        const history = 3 * length + 4;
        const novelty = new PatternNovelty(length, history);
        series.forEach((value, index) => {
          const distance = novelty.push(value);
          if (index + 1 < 3 * length) expect(distance).toBeNaN();
          else expect(Object.is(distance, directDistance(series.slice(0, index + 1), length, history))).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('stays exact on a long drifting series (many refreshes of the running sums) and after readings too far apart to sum', () => {
    const novelty = new PatternNovelty(12, 200);
    const series: number[] = [];
    let level = 1e5;
    for (let index = 0; index < 3000; index++) {
      level += Math.sin(index * 0.37) * 1e-3;
      const value = index === 1500 ? 1e200 : index % 97 === 0 ? level + 50 : level + Math.cos(index * 1.7) * 1e-4;
      series.push(value);
      const distance = novelty.push(value);
      if (index % 7 === 0 && index >= 36) expect(distance).toBe(directDistance(series, 12, 200));
    }
  });

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
