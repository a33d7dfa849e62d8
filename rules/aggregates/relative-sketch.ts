import { DDSketch } from '@datadog/sketches-js';

/** Relative accuracy of the sketch used for large windows: a p95 of 20.0 is reported within 19.8 … 20.2. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

/**
 * DDSketch (sketches-js) for windows too large to keep every value, with the two operations we need done here
 * rather than by the library: merging, and reading the value at an exact rank.
 */
export function createSketch(): DDSketch {
  return new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });
}

/**
 * Adds every value of `from` to `into`. Not `DDSketch.merge`: in sketches-js 2.1.1 it drops the negative values of
 * the merged sketch, and it can miscount when the merged keys end at 0. Bin by bin through `add` is correct.
 */
export function mergeSketch(into: DDSketch, from: DDSketch): void {
  if (from.count === 0) return;
  for (const [target, source] of [
    [into.store, from.store],
    [into.negativeStore, from.negativeStore],
  ] as const) {
    for (let i = 0; i < source.bins.length; i++) {
      const weight = source.bins[i]!;
      if (weight > 0) target.add(i + source.offset, weight);
    }
  }
  into.zeroCount += from.zeroCount;
  into.count += from.count;
  into.sum += from.sum;
  if (from.min < into.min) into.min = from.min;
  if (from.max > into.max) into.max = from.max;
}

/**
 * The value of rank `rank` (0 = smallest, count − 1 = largest, a whole number), within the sketch's relative
 * accuracy of the true one. The smallest and largest are exact: the sketch keeps them.
 */
export function sketchValueAtRank(sketch: DDSketch, rank: number): number {
  if (rank <= 0) return sketch.min;
  if (rank >= sketch.count - 1) return sketch.max;
  const negatives = sketch.negativeStore.count;
  let value: number;
  if (rank < negatives) {
    // The negative store is ordered by magnitude: the smallest value is the largest magnitude.
    value = -sketch.mapping.value(sketch.negativeStore.keyAtRank(negatives - 1 - rank));
  } else if (rank < negatives + sketch.zeroCount) {
    value = 0;
  } else {
    value = sketch.mapping.value(sketch.store.keyAtRank(rank - negatives - sketch.zeroCount));
  }
  // A bucket's representative may lie just outside the values seen; the true value never does.
  return Math.min(sketch.max, Math.max(sketch.min, value));
}
