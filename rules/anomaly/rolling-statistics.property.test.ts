import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NoveltyScore } from './novelty-score.js';
import { RollingWindow } from './rolling-window.js';
import { SortedValues } from './sorted-values.js';

function naiveMedian(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)]! + sorted[Math.ceil(middle)]!) / 2;
}

const values = fc.array(fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), {
  minLength: 1,
  maxLength: 300,
});

describe('rolling statistics', () => {
  it('a count-bounded window with a sorted copy matches naive mean, deviation, median and MAD', () => {
    fc.assert(
      fc.property(values, fc.integer({ min: 1, max: 40 }), (series, size) => {
        const sorted = new SortedValues();
        const window = new RollingWindow({ readings: size }, (value) => sorted.remove(value));
        series.forEach((value, index) => {
          window.push(index, value);
          sorted.insert(value);
        });
        const kept = series.slice(-size);
        const mean = kept.reduce((sum, value) => sum + value, 0) / kept.length;
        const scale = Math.max(1, ...kept.map(Math.abs));
        expect(window.size).toBe(kept.length);
        expect(Math.abs(window.mean - mean)).toBeLessThanOrEqual(1e-6 * scale);
        if (kept.length > 1) {
          const variance = kept.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (kept.length - 1);
          expect(Math.abs(window.standardDeviation - Math.sqrt(variance))).toBeLessThanOrEqual(1e-5 * scale);
        }
        const median = naiveMedian(kept);
        // Interpolating a + (b − a)/2 and averaging (a + b)/2 may differ in the last bit.
        expect(Math.abs(sorted.median - median)).toBeLessThanOrEqual(1e-12 * scale);
        const mad = naiveMedian(kept.map((value) => Math.abs(value - median)));
        expect(Math.abs(sorted.medianAbsoluteDeviation() - mad)).toBeLessThanOrEqual(1e-12 * scale);
      }),
    );
  });

  it('replace(old, new) leaves the sorted values exactly as remove then insert would', () => {
    fc.assert(
      fc.property(values, fc.array(fc.nat(), { minLength: 1, maxLength: 50 }), values, (start, picks, news) => {
        const sorted = new SortedValues();
        const naive = [...start];
        start.forEach((value) => sorted.insert(value));
        picks.forEach((pick, index) => {
          const old = naive[pick % naive.length]!;
          const value = news[index % news.length]!;
          sorted.replace(old, value);
          naive.splice(naive.indexOf(old), 1, value);
        });
        naive.sort((a, b) => a - b);
        // + 0 turns −0 into 0: the two are equal numbers, and either may be kept.
        const kept = Array.from({ length: naive.length }, (_, index) => sorted.quantile(naive.length === 1 ? 0 : index / (naive.length - 1)) + 0);
        expect(kept).toEqual(naive.map((value) => value + 0));
      }),
    );
  });

  it('a novelty score keeps the newest `history` numbers, also after keepNewest', () => {
    fc.assert(
      fc.property(values, fc.integer({ min: 1, max: 40 }), fc.nat({ max: 45 }), values, (series, history, keep, more) => {
        const novelty = new NoveltyScore(history);
        series.forEach((value) => novelty.add(value));
        novelty.keepNewest(keep);
        more.forEach((value) => novelty.add(value));
        const keptByKeepNewest = keep === 0 ? [] : series.slice(-history).slice(-keep);
        const expected = [...keptByKeepNewest, ...more].slice(-history);
        expect(novelty.size).toBe(expected.length);
        // + 0: −0 and 0 are the same number here.
        expect(novelty.min + 0).toBe(Math.min(...expected) + 0);
        expect(novelty.max + 0).toBe(Math.max(...expected) + 0);
        expect(Math.abs(novelty.median - naiveMedian(expected))).toBeLessThanOrEqual(1e-12 * Math.max(1, ...expected.map(Math.abs)));
      }),
    );
  });

  it('a time-bounded window keeps exactly the readings within its duration of the newest', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 200 }), (gaps) => {
        const window = new RollingWindow({ duration: 10_000 });
        let time = 0;
        const times: number[] = [];
        for (const gap of gaps) {
          time += gap;
          times.push(time);
          window.push(time, gap);
        }
        expect(window.size).toBe(times.filter((at) => time - at <= 10_000).length);
        expect(window.newestTime).toBe(time);
      }),
    );
  });
});
