import { Histogram } from './histogram.js';
import { QuantileStore } from './quantile-store.js';
import { TimeSeries, type FoldHorizon } from './time-series.js';

/**
 * What a window keeps, decided once when a rule's aggregates are compiled: each aggregate asks for the parts it
 * reads, and every window of the rule then keeps just those.
 */
export interface WindowLayout {
  /** Welford's mean and squared deviations (variance, stddev). */
  moments: boolean;
  /** First and last reading by event time (first, last, delta, derivative). */
  ends: boolean;
  /** All values or a sketch of them (median, percentiles): one store, however many percentiles. */
  quantiles: boolean;
  /** The readings in time order (time-weighted mean, integral, rate): one series for all of them. */
  series: boolean;
  /** Upper bounds, sorted, of each histogram. */
  readonly histograms: Float64Array[];
  exactLimit: number;
}

/**
 * Everything one window knows about its readings, shared by all the rule's aggregates. Count, sum, min and max are
 * kept always (a few additions); the rest as the layout says. `add` allocates nothing but the amortised growth of
 * the quantile store and series.
 */
export class WindowState {
  count = 0;
  /** Compensated sum: `sumHigh + sumLow` is the sum as if added exactly, then rounded once. */
  private sumHigh = 0;
  private sumLow = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /**
   * Welford's running mean and sum of squared deviations from it: stable where Σx² − (Σx)²/n cancels. Both are of
   * the values less the window's first (`shift`): Welford's update multiplies the running mean's rounding (half its
   * ulp) by a deviation, so around 1e9 deviations of 0.01 lost 5 digits; less one of the values, the mean is no
   * larger than their spread, and nor is its rounding. One subtraction per reading, off the update's critical path.
   */
  private shift = 0;
  private shiftedMean = 0;
  squaredDeviations = 0;
  firstTime = Number.POSITIVE_INFINITY;
  firstValue = Number.NaN;
  lastTime = Number.NEGATIVE_INFINITY;
  lastValue = Number.NaN;
  readonly quantiles: QuantileStore | undefined;
  readonly series: TimeSeries | undefined;
  readonly histograms: readonly Histogram[];
  // Copied from the layout so the per-reading checks read a field of this object, not of another.
  private readonly keepsMoments: boolean;
  private readonly keepsEnds: boolean;
  /** Any part beyond count, sum and extremes. */
  private readonly keepsParts: boolean;

  /** `horizon`: from the window operator, how far the window's readings are settled (see FoldHorizon). */
  constructor(
    readonly layout: Readonly<WindowLayout>,
    horizon?: Readonly<FoldHorizon>,
  ) {
    this.keepsMoments = layout.moments;
    this.keepsEnds = layout.ends;
    this.quantiles = layout.quantiles ? new QuantileStore(layout.exactLimit) : undefined;
    this.series = layout.series ? new TimeSeries(16, horizon) : undefined;
    this.histograms = layout.histograms.map((bounds) => new Histogram(bounds));
    this.keepsParts = layout.moments || layout.ends || layout.quantiles || layout.series || layout.histograms.length > 0;
  }

  get sum(): number {
    return this.sumHigh + this.sumLow;
  }

  /** Readings the window stores one by one for the order-dependent aggregates (0 without them); the rest are folded. */
  get storedPoints(): number {
    return this.series === undefined ? 0 : this.series.storedPoints;
  }

  /**
   * The basic statistics here, the rest in `addToParts`: small enough for V8 to inline into the window operator, so
   * the value and time are not boxed into new heap numbers for a call on every reading. TwoSum written out for the
   * same reason.
   */
  add(value: number, time: number): void {
    this.count += 1;
    const high = this.sumHigh;
    const total = high + value;
    const virtual = total - high;
    this.sumLow += high - (total - virtual) + (value - virtual);
    this.sumHigh = total;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.keepsParts) this.addToParts(value, time);
  }

  private addToParts(value: number, time: number): void {
    if (this.keepsMoments) {
      if (this.count === 1) this.shift = value;
      const shifted = value - this.shift;
      const delta = shifted - this.shiftedMean;
      this.shiftedMean += delta / this.count;
      this.squaredDeviations += delta * (shifted - this.shiftedMean);
    }
    if (this.keepsEnds) {
      // Strict for first, non-strict for last: on equal times the earlier arrival is first, the later one last.
      if (time < this.firstTime) {
        this.firstTime = time;
        this.firstValue = value;
      }
      if (time >= this.lastTime) {
        this.lastTime = time;
        this.lastValue = value;
      }
    }
    if (this.quantiles !== undefined) this.quantiles.add(value);
    if (this.series !== undefined) this.series.add(time, value);
    for (let i = 0; i < this.histograms.length; i++) this.histograms[i]!.add(value);
  }

  /** Back to no readings, as if new: a window operator reuses a state once its window was emitted. */
  reset(): void {
    this.count = 0;
    this.sumHigh = 0;
    this.sumLow = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.shift = 0;
    this.shiftedMean = 0;
    this.squaredDeviations = 0;
    this.firstTime = Number.POSITIVE_INFINITY;
    this.firstValue = Number.NaN;
    this.lastTime = Number.NEGATIVE_INFINITY;
    this.lastValue = Number.NaN;
    this.quantiles?.clear();
    this.series?.clear();
    for (let i = 0; i < this.histograms.length; i++) this.histograms[i]!.clear();
  }

  /** Adds every reading of `other` (same layout; left unchanged), as if they arrived after this window's. */
  mergeState(other: WindowState): void {
    if (other.count === 0) return;
    const count = this.count + other.count;
    if (this.keepsMoments) {
      // Chan, Golub and LeVeque's combination of two Welford states, in this one's shift (the other's when empty).
      if (this.count === 0) this.shift = other.shift;
      const delta = other.shift - this.shift + (other.shiftedMean - this.shiftedMean);
      this.squaredDeviations += other.squaredDeviations + ((delta * delta * this.count) / count) * other.count;
      this.shiftedMean += (delta * other.count) / count;
    }
    this.count = count;
    this.addToSum(other.sumHigh);
    this.addToSum(other.sumLow);
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    if (other.firstTime < this.firstTime) {
      this.firstTime = other.firstTime;
      this.firstValue = other.firstValue;
    }
    if (other.lastTime >= this.lastTime) {
      this.lastTime = other.lastTime;
      this.lastValue = other.lastValue;
    }
    if (this.quantiles && other.quantiles) this.quantiles.merge(other.quantiles);
    if (this.series && other.series) this.series.merge(other.series);
    for (let i = 0; i < this.histograms.length; i++) this.histograms[i]!.merge(other.histograms[i]!);
  }

  private addToSum(value: number): void {
    // Knuth's TwoSum: the exact rounding error of the addition, whichever operand is larger, without a branch.
    const high = this.sumHigh;
    const total = high + value;
    const virtual = total - high;
    this.sumLow += high - (total - virtual) + (value - virtual);
    this.sumHigh = total;
  }
}
