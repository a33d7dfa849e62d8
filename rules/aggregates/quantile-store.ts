import { DDSketch } from '@datadog/sketches-js';

/** Relative accuracy of the sketch used for large windows: a p95 of 20.0 is reported within 19.8 … 20.2. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

/**
 * The values of one window, for median and percentiles. Exact while the window holds at most `exactLimit`
 * values (kept in a typed array and sorted when asked); beyond that they move into a DDSketch, whose memory stays
 * small however many values come, at a relative error of at most 1 %.
 */
export class QuantileStore {
  private values = new Float64Array(8);
  private size = 0;
  private sorted = true;
  private sketch: DDSketch | undefined;

  constructor(private readonly exactLimit: number) {}

  add(value: number): void {
    if (this.sketch) {
      this.sketch.accept(value);
      return;
    }
    if (this.size === this.exactLimit) {
      this.sketch = new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });
      for (let i = 0; i < this.size; i++) this.sketch.accept(this.values[i]!);
      this.sketch.accept(value);
      this.values = new Float64Array(0);
      this.size = 0;
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

  /** The q-quantile (0 ≤ q ≤ 1): exact by linear interpolation between closest ranks, or from the sketch. */
  quantile(q: number): number | undefined {
    if (this.sketch) return this.sketch.count > 0 ? this.sketch.getValueAtQuantile(q) : undefined;
    if (this.size === 0) return undefined;
    if (!this.sorted) {
      this.values.subarray(0, this.size).sort();
      this.sorted = true;
    }
    const rank = (this.size - 1) * q;
    const below = Math.floor(rank);
    const lower = this.values[below]!;
    if (below + 1 >= this.size) return lower;
    return lower + (rank - below) * (this.values[below + 1]! - lower);
  }

  /** Whether the values moved into the sketch (so quantiles are approximate). */
  get approximate(): boolean {
    return this.sketch !== undefined;
  }

  merge(other: QuantileStore): void {
    if (other.sketch) {
      if (!this.sketch) {
        this.sketch = new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });
        for (let i = 0; i < this.size; i++) this.sketch.accept(this.values[i]!);
        this.values = new Float64Array(0);
        this.size = 0;
      }
      this.sketch.merge(other.sketch);
      return;
    }
    for (let i = 0; i < other.size; i++) this.add(other.values[i]!);
  }
}
