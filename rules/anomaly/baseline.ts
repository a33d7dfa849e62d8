/**
 * The in-control mean and standard deviation that EWMA and CUSUM charts compare against: learnt exactly from the
 * first `warmup` readings, then following slow, legitimate change (seasons, a recalibrated sensor) with weight
 * `alpha` per reading — but only while the chart is quiet, so an ongoing drift is not learnt as normal.
 */
export class Baseline {
  private count = 0;
  private meanValue = 0;
  private squares = 0;

  constructor(
    private readonly warmup: number,
    private readonly alpha: number,
  ) {
    if (!(warmup >= 2)) throw new Error(`warmup must be at least 2 readings, got ${warmup}`);
    if (!(alpha >= 0 && alpha < 1)) throw new Error(`baseline alpha must be in 0..1, got ${alpha}`);
  }

  get ready(): boolean {
    return this.count >= this.warmup;
  }

  get mean(): number {
    return this.meanValue;
  }

  get standardDeviation(): number {
    if (this.count < 2) return Number.NaN;
    return Math.sqrt(this.count < this.warmup ? this.squares / (this.count - 1) : this.squares);
  }

  /** Learns from a reading: exactly (Welford) during warm-up, exponentially after it. */
  learn(value: number): void {
    if (this.count < this.warmup) {
      this.count += 1;
      const delta = value - this.meanValue;
      this.meanValue += delta / this.count;
      this.squares += delta * (value - this.meanValue);
      // At the end of warm-up, switch `squares` from a sum to a variance for the exponential updates.
      if (this.count === this.warmup) this.squares /= this.count - 1;
      return;
    }
    this.count += 1;
    const delta = value - this.meanValue;
    this.meanValue += this.alpha * delta;
    this.squares = (1 - this.alpha) * (this.squares + this.alpha * delta * delta);
  }
}
