/**
 * Running mean and covariance of p-dimensional rows (Welford's update, generalised to a co-moment matrix), so a
 * group's learning period costs p + p² numbers however long it is, and is numerically stable for sensors with large
 * offsets (pressures in Pa, counters).
 */
export class CovarianceAccumulator {
  private count = 0;
  readonly mean: Float64Array;
  /** Sum of (x_i − mean_i)(x_j − mean_j), upper triangle used, row-major p × p. */
  private readonly comoment: Float64Array;
  private readonly delta: Float64Array;

  constructor(readonly p: number) {
    this.mean = new Float64Array(p);
    this.comoment = new Float64Array(p * p);
    this.delta = new Float64Array(p);
  }

  get rows(): number {
    return this.count;
  }

  add(row: ArrayLike<number>): void {
    const p = this.p;
    this.count += 1;
    const n = this.count;
    for (let i = 0; i < p; i++) {
      const d = row[i]! - this.mean[i]!;
      this.delta[i] = d;
      this.mean[i] = this.mean[i]! + d / n;
    }
    // comoment += (x − old mean)(x − new mean)ᵀ, the exact Welford step.
    for (let i = 0; i < p; i++) {
      const after = row[i]! - this.mean[i]!;
      for (let j = i; j < p; j++) this.comoment[i * p + j] = this.comoment[i * p + j]! + this.delta[j]! * after;
    }
  }

  /** The sample covariance (divided by n − 1), full symmetric p × p; zeros before two rows. */
  covariance(): Float64Array {
    const p = this.p;
    const result = new Float64Array(p * p);
    if (this.count < 2) return result;
    for (let i = 0; i < p; i++) {
      for (let j = i; j < p; j++) result[i * p + j] = result[j * p + i] = this.comoment[i * p + j]! / (this.count - 1);
    }
    return result;
  }

  /** Its whole state as plain numbers, to be kept across a restart (`restore`). */
  export(): { readonly rows: number; readonly mean: number[]; readonly comoment: number[] } {
    return { rows: this.count, mean: Array.from(this.mean), comoment: Array.from(this.comoment) };
  }

  /** Takes `export` output back; the caller has checked the lengths and that every number is finite. */
  restore(state: { readonly rows: number; readonly mean: ArrayLike<number>; readonly comoment: ArrayLike<number> }): void {
    this.count = state.rows;
    this.mean.set(Array.from(state.mean));
    this.comoment.set(Array.from(state.comoment));
  }

  reset(): void {
    this.count = 0;
    this.mean.fill(0);
    this.comoment.fill(0);
  }
}
