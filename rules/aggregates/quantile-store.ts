import type { DDSketch } from '@datadog/sketches-js';
import { createSketch, mergeSketch, sketchValueAtRank } from './relative-sketch.js';

/** Default number of values a window keeps for exact percentiles before it moves them into a sketch. */
export const DEFAULT_EXACT_LIMIT = 1_024;

/**
 * The values of one window, for median and every percentile of the rule (they share one store, so one sort).
 *
 * Exact while the window holds at most `exactLimit` values: they are kept in a typed array, sorted when asked, and a
 * percentile interpolates linearly between the two closest ranks — numpy's default ("type 7", also Excel's
 * PERCENTILE.INC and Postgres' percentile_cont). The value after the limit moves them all into a DDSketch, whose
 * memory stays small however many values come; its percentiles interpolate the same way between ranks it knows to
 * 1 % relative accuracy, so they are within 1 % of the exact answer (when the two neighbouring values have one sign).
 */
export class QuantileStore {
  private values: Float64Array;
  private size = 0;
  private sorted = true;
  private sketch: DDSketch | undefined;

  constructor(private readonly exactLimit: number) {
    this.values = new Float64Array(Math.min(16, exactLimit));
  }

  get count(): number {
    return this.sketch ? this.sketch.count : this.size;
  }

  /** Whether the values moved into the sketch, so percentiles are approximate. */
  get approximate(): boolean {
    return this.sketch !== undefined;
  }

  add(value: number): void {
    if (this.sketch) {
      this.sketch.accept(value);
      return;
    }
    if (this.size === this.exactLimit) {
      this.toSketch().accept(value);
      return;
    }
    if (this.size === this.values.length) {
      const grown = new Float64Array(Math.min(this.values.length * 2, this.exactLimit));
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = value;
    this.sorted = false;
  }

  /** Forgets every value, keeping the storage for the next window. */
  clear(): void {
    // A store that moved to the sketch gave its array up.
    if (this.values.length === 0) this.values = new Float64Array(Math.min(16, this.exactLimit));
    this.size = 0;
    this.sorted = true;
    this.sketch = undefined;
  }

  /** Adds every value of `other` (whose values stay the same, though it may sort them). */
  merge(other: QuantileStore): void {
    if (other.sketch) {
      mergeSketch(this.sketch ?? this.toSketch(), other.sketch);
      return;
    }
    const size = this.size + other.size;
    if (this.sketch !== undefined || size > this.exactLimit) {
      for (let i = 0; i < other.size; i++) this.add(other.values[i]!);
      return;
    }
    // Still exact: one copy (a hopping window merges its panes this way each time it is emitted).
    if (size > this.values.length) {
      let capacity = Math.max(16, this.values.length);
      while (capacity < size) capacity *= 2;
      const grown = new Float64Array(Math.min(capacity, this.exactLimit));
      grown.set(this.values.subarray(0, this.size));
      this.values = grown;
    }
    if (other.size === 0) return;
    if (this.sorted) {
      // Sorted runs merge in one pass: a hopping window merges the same panes as the windows before it, and each
      // pane is sorted once (in place: the same values) instead of every window sorting all of its values again.
      other.sort();
      mergeSorted(this.values, this.size, other.values, other.size);
    } else {
      // A loop, not set(subarray(…)): a pane holds a few dozen values, and a subarray is an object made per merge.
      const values = this.values;
      const from = other.values;
      for (let i = 0, at = this.size; i < other.size; i++, at++) values[at] = from[i]!;
    }
    this.size = size;
  }

  /** The `percent`-th percentile (0 … 100); undefined when there are no values. */
  percentile(percent: number): number | undefined {
    const n = this.count;
    if (n === 0) return undefined;
    // (n − 1) · p / 100 rather than (n − 1) · (p / 100): exact for p99.9 of 1001 values, where 0.999 is not.
    const rank = ((n - 1) * percent) / 100;
    const below = Math.floor(rank);
    const fraction = rank - below;
    const above = fraction > 0 ? below + 1 : below;
    if (this.sketch) return interpolate(sketchValueAtRank(this.sketch, below), sketchValueAtRank(this.sketch, above), fraction);
    this.sort();
    return interpolate(this.values[below]!, this.values[above]!, fraction);
  }

  /** Sorts the exact values in place, once until the next `add`. */
  private sort(): void {
    if (this.sorted) return;
    this.values.subarray(0, this.size).sort(); // a typed array sorts by number, -0 before 0
    this.sorted = true;
  }

  private toSketch(): DDSketch {
    const sketch = createSketch();
    for (let i = 0; i < this.size; i++) sketch.accept(this.values[i]!);
    this.sketch = sketch;
    this.values = new Float64Array(0);
    this.size = 0;
    return sketch;
  }
}

/**
 * Merges the sorted `from[0 … fromSize)` into the sorted `into[0 … intoSize)`, which has room for both, from the back
 * so nothing is overwritten before it is moved. Same order as a typed array's sort: by number, -0 before 0.
 */
function mergeSorted(into: Float64Array, intoSize: number, from: Float64Array, fromSize: number): void {
  let i = intoSize - 1;
  let j = fromSize - 1;
  for (let at = intoSize + fromSize - 1; j >= 0; at--) {
    const a = i >= 0 ? into[i]! : Number.NEGATIVE_INFINITY;
    const b = from[j]!;
    // a after b: larger, or 0 after -0 (1/0 is Infinity, 1/-0 is -Infinity).
    if (i >= 0 && (a > b || (a === b && 1 / a > 1 / b))) {
      into[at] = a;
      i--;
    } else {
      into[at] = b;
      j--;
    }
  }
}

/** numpy's lerp: from the nearer end, so the result stays within [a, b] and equals b at t = 1. */
function interpolate(a: number, b: number, t: number): number {
  if (t === 0 || a === b) return a;
  const difference = b - a;
  return t < 0.5 ? a + difference * t : b - difference * (1 - t);
}
