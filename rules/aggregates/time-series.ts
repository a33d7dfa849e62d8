/**
 * A window's readings in event-time order, for the aggregates that depend on order and spacing (time-weighted
 * mean, integral, rate); one per window, shared by all of them. Kept in two growable typed arrays: a reading that
 * arrives in order is appended in O(1); one that arrives late is placed by binary search and a block move. Readings
 * with equal times stay in arrival order.
 */
export class TimeSeries {
  private times: Float64Array;
  private values: Float64Array;
  private length = 0;

  constructor(capacity = 16) {
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  get size(): number {
    return this.length;
  }

  timeAt(index: number): number {
    return this.times[index]!;
  }

  valueAt(index: number): number {
    return this.values[index]!;
  }

  add(time: number, value: number): void {
    if (this.length === this.times.length) this.grow(this.length * 2 || 16);
    let at = this.length;
    if (at > 0 && this.times[at - 1]! > time) {
      at = this.firstAfter(time);
      this.times.copyWithin(at + 1, at, this.length);
      this.values.copyWithin(at + 1, at, this.length);
    }
    this.times[at] = time;
    this.values[at] = value;
    this.length += 1;
  }

  /** Forgets every reading, keeping the storage for the next window. */
  clear(): void {
    this.length = 0;
  }

  /** Adds every reading of `other` (left unchanged) as if it arrived after this series' readings. */
  merge(other: TimeSeries): void {
    const n = this.length;
    const m = other.length;
    if (m === 0) return;
    if (n === 0 || this.times[n - 1]! <= other.times[0]!) {
      if (n + m > this.times.length) this.grow(Math.max(n + m, n * 2));
      this.times.set(other.times.subarray(0, m), n);
      this.values.set(other.values.subarray(0, m), n);
      this.length = n + m;
      return;
    }
    // Both are sorted: one stable merge pass, ours first on equal times.
    const capacity = Math.max(n + m, this.times.length);
    const times = new Float64Array(capacity);
    const values = new Float64Array(capacity);
    let i = 0;
    let j = 0;
    for (let k = 0; k < n + m; k++) {
      if (j >= m || (i < n && this.times[i]! <= other.times[j]!)) {
        times[k] = this.times[i]!;
        values[k] = this.values[i++]!;
      } else {
        times[k] = other.times[j]!;
        values[k] = other.values[j++]!;
      }
    }
    this.times = times;
    this.values = values;
    this.length = n + m;
  }

  /**
   * Sample-and-hold mean: each value counts for as long as it held — until the next reading, the last one until
   * `end` (a window's exclusive end; a reading at or past `end` holds for no time). Time before the first reading
   * is not counted: nothing was known then. When no time is covered at all (a single reading at `end`, or all
   * readings at one instant, as a session or count window of one instant ends), every reading weighs the same and
   * the result is their plain mean — with one reading, its value — rather than nothing.
   */
  timeWeightedMean(end: number): number | undefined {
    const n = this.length;
    if (n === 0) return undefined;
    let weighted = 0;
    for (let i = 0; i < n - 1; i++) weighted += this.values[i]! * (this.times[i + 1]! - this.times[i]!);
    const tail = Math.max(0, end - this.times[n - 1]!);
    weighted += this.values[n - 1]! * tail;
    const covered = this.times[n - 1]! - this.times[0]! + tail;
    if (covered > 0) return weighted / covered;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.values[i]!;
    return sum / n;
  }

  /**
   * Trapezoidal integral over the readings (not beyond the first and last), in value × `unitMs`: W over ms with a
   * unit of 1 h gives Wh. 0 for a single reading, like InfluxDB's integral().
   */
  integral(unitMs: number): number | undefined {
    const n = this.length;
    if (n === 0) return undefined;
    let area = 0;
    for (let i = 0; i < n - 1; i++) area += (this.values[i]! + this.values[i + 1]!) * (this.times[i + 1]! - this.times[i]!);
    return area / 2 / unitMs;
  }

  /**
   * Per-`unitMs` increase of a counter, like Prometheus' increase() over the span of the readings (without its
   * extrapolation to the window's edges): a drop is a reset to zero, after which the new value counts as increase.
   * Undefined for fewer than two readings or when they share one instant.
   */
  counterRate(unitMs: number): number | undefined {
    const n = this.length;
    if (n < 2) return undefined;
    const span = this.times[n - 1]! - this.times[0]!;
    if (!(span > 0)) return undefined;
    let increase = 0;
    for (let i = 1; i < n; i++) {
      const current = this.values[i]!;
      const previous = this.values[i - 1]!;
      increase += current >= previous ? current - previous : current;
    }
    return (increase / span) * unitMs;
  }

  /** Index of the first reading later than `time` (binary search). */
  private firstAfter(time: number): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.times[middle]! <= time) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private grow(capacity: number): void {
    const times = new Float64Array(capacity);
    const values = new Float64Array(capacity);
    times.set(this.times.subarray(0, this.length));
    values.set(this.values.subarray(0, this.length));
    this.times = times;
    this.values = values;
  }
}
