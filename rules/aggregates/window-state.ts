import { QuantileStore } from './quantile-store.js';
import { TimeSeries } from './time-series.js';

/** Which running statistics a rule's aggregates need, so a window keeps only those. */
export interface StateNeeds {
  readonly moments: boolean;
  readonly ends: boolean;
  readonly quantiles: boolean;
  readonly series: boolean;
  /** Upper bounds of each histogram the rule asked for. */
  readonly histograms: readonly (readonly number[])[];
  readonly exactLimit: number;
}

/**
 * Everything one window knows about its readings. Cheap statistics are kept always; the rest only when an aggregate
 * needs them. Shared by all the rule's aggregates, so `p50` and `p95` sort the same values once.
 */
export class WindowState {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** Welford's running mean and sum of squared deviations, for variance that stays exact at large values. */
  mean = 0;
  m2 = 0;
  /** First and last reading by event time. */
  firstTime = Number.POSITIVE_INFINITY;
  firstValue = Number.NaN;
  lastTime = Number.NEGATIVE_INFINITY;
  lastValue = Number.NaN;
  readonly quantiles: QuantileStore | undefined;
  readonly series: TimeSeries | undefined;
  readonly histograms: Float64Array[];

  constructor(private readonly needs: StateNeeds) {
    this.quantiles = needs.quantiles ? new QuantileStore(needs.exactLimit) : undefined;
    this.series = needs.series ? new TimeSeries() : undefined;
    this.histograms = needs.histograms.map((bounds) => new Float64Array(bounds.length + 1));
  }

  add(value: number, time: number): void {
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.needs.moments) {
      const delta = value - this.mean;
      this.mean += delta / this.count;
      this.m2 += delta * (value - this.mean);
    }
    if (this.needs.ends) {
      if (time < this.firstTime) {
        this.firstTime = time;
        this.firstValue = value;
      }
      if (time >= this.lastTime) {
        this.lastTime = time;
        this.lastValue = value;
      }
    }
    this.quantiles?.add(value);
    this.series?.add(time, value);
    for (let h = 0; h < this.histograms.length; h++) {
      const bounds = this.needs.histograms[h]!;
      const counts = this.histograms[h]!;
      let bucket = 0;
      while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
      counts[bucket]! += 1;
    }
  }

  merge(other: WindowState): void {
    if (other.count === 0) return;
    if (this.needs.moments) {
      // Chan et al.'s parallel combination of two Welford states.
      const count = this.count + other.count;
      const delta = other.mean - this.mean;
      this.m2 += other.m2 + (delta * delta * this.count * other.count) / count;
      this.mean += (delta * other.count) / count;
    }
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
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
    this.histograms.forEach((counts, h) => {
      const theirs = other.histograms[h]!;
      for (let i = 0; i < counts.length; i++) counts[i]! += theirs[i]!;
    });
  }
}
