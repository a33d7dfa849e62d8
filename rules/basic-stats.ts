/**
 * Running statistics of one window, updated in place for each reading so the hot path allocates nothing.
 * Aggregates that need more than this (percentiles, time-weighted means) keep their own state.
 */
export class BasicStats {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  first = Number.NaN;
  last = Number.NaN;

  add(value: number): void {
    if (this.count === 0) this.first = value;
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.last = value;
  }
}
