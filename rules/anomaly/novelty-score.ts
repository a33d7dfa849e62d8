import { SortedValues } from './sorted-values.js';

const MAD_TO_SIGMA = 1.4826;
/** The spread is refreshed after 1/SPREAD_REFRESH of the history is new. */
const SPREAD_REFRESH = 32;

/**
 * How new a number is against the last `history` numbers of the same kind: its robust z (distance from their
 * median in MADs, with a floor for spiky or repetitive histories) over `threshold`, but held under 1 while the
 * number stays inside the range already seen. A value like the last ten spikes is this sensor's normal; only what
 * the history has never shown can fire.
 */
export class NoveltyScore {
  private readonly sorted = new SortedValues();
  /** The numbers in arrival order (a ring: `head` the oldest), so the oldest can leave the sorted copy. */
  private readonly ring: Float64Array;
  private head = 0;
  private count = 0;
  /**
   * The spread (a median absolute deviation, O(n)) is recomputed once the history has taken in a thirty-second of
   * its size since the last time: one number barely moves it, and recomputing it per reading was a third of the
   * detector's time.
   */
  private cachedSpread = Number.NaN;
  private addedSinceSpread = 0;

  constructor(
    history: number,
    /** How far beyond the range seen, in spreads, a number must be to count as never seen. */
    private readonly rangeMargin = 0,
  ) {
    if (!(history >= 1)) throw new Error(`novelty score: history must be at least 1, got ${history}`);
    this.ring = new Float64Array(history);
  }

  get size(): number {
    return this.sorted.size;
  }

  get median(): number {
    return this.sorted.median;
  }

  /** The smallest number in the history. */
  get min(): number {
    return this.sorted.quantile(0);
  }

  /** The largest number in the history. */
  get max(): number {
    return this.sorted.quantile(1);
  }

  /** The robust spread: MAD as a standard deviation, at least a tenth of the 5–95% range, never 0. */
  get spread(): number {
    if (Number.isNaN(this.cachedSpread) || this.addedSinceSpread * SPREAD_REFRESH > this.sorted.size) {
      this.cachedSpread = this.computeSpread();
      this.addedSinceSpread = 0;
    }
    return this.cachedSpread;
  }

  private computeSpread(): number {
    const median = this.sorted.median;
    const mad = this.sorted.medianAbsoluteDeviation() * MAD_TO_SIGMA;
    const range = (this.sorted.quantile(0.95) - this.sorted.quantile(0.05)) / 10;
    return Math.max(mad, range, 1e-9 * Math.max(1, Math.abs(median)));
  }

  /** Signed robust z of `value` against the history (positive above the median). */
  z(value: number): number {
    return (value - this.sorted.median) / this.spread;
  }

  /**
   * |z| / threshold, held at 0.9 at most while `value` is within the range the history has seen, widened by the
   * margin; `low` and `high` replace that range (the history's smallest and largest number) when given.
   */
  score(value: number, threshold: number, low = this.sorted.quantile(0), high = this.sorted.quantile(1)): number {
    const score = Math.abs(this.z(value)) / threshold;
    const margin = this.rangeMargin * this.spread;
    const seen = value >= low - margin && value <= high + margin;
    return seen ? Math.min(0.9, score) : score;
  }

  /** Forgets all but the newest `count` numbers: the history starts again from them. */
  keepNewest(count: number): void {
    while (this.count > Math.max(0, count)) {
      this.sorted.remove(this.ring[this.head]!);
      this.head = (this.head + 1) % this.ring.length;
      this.count -= 1;
    }
    this.cachedSpread = Number.NaN;
  }

  add(value: number): void {
    const { ring } = this;
    if (this.count === ring.length) {
      // Full: the oldest number makes way for the new one, in one move of the sorted copy.
      this.sorted.replace(ring[this.head]!, value);
      ring[this.head] = value;
      this.head = (this.head + 1) % ring.length;
    } else {
      ring[(this.head + this.count) % ring.length] = value;
      this.count += 1;
      this.sorted.insert(value);
    }
    this.addedSinceSpread += 1;
  }
}
