/**
 * A window's readings in event-time order, for aggregates that depend on order and spacing (time-weighted mean,
 * integral, rate). Kept in typed arrays; a reading that arrives in order is appended, one that arrives out of order
 * is inserted at its place.
 */
export class TimeSeries {
  private times = new Float64Array(8);
  private values = new Float64Array(8);
  size = 0;

  add(time: number, value: number): void {
    if (this.size === this.times.length) {
      const times = new Float64Array(this.size * 2);
      const values = new Float64Array(this.size * 2);
      times.set(this.times);
      values.set(this.values);
      this.times = times;
      this.values = values;
    }
    let i = this.size;
    // Equal times keep arrival order: the later reading goes after.
    while (i > 0 && this.times[i - 1]! > time) {
      this.times[i] = this.times[i - 1]!;
      this.values[i] = this.values[i - 1]!;
      i--;
    }
    this.times[i] = time;
    this.values[i] = value;
    this.size += 1;
  }

  merge(other: TimeSeries): void {
    for (let i = 0; i < other.size; i++) this.add(other.times[i]!, other.values[i]!);
  }

  /**
   * Sample-and-hold mean: each value counts for as long as it held, until the next reading, the last one until
   * `end` (not beyond: a reading past `end` holds for 0). Time before the first reading does not count. When no time
   * is covered at all (one reading at the window's end, or all at one instant), the plain mean of the values.
   */
  timeWeightedMean(end: number): number | undefined {
    if (this.size === 0) return undefined;
    let weighted = 0;
    for (let i = 0; i < this.size - 1; i++) weighted += this.values[i]! * (this.times[i + 1]! - this.times[i]!);
    const last = this.size - 1;
    const tail = Math.max(0, end - this.times[last]!);
    weighted += this.values[last]! * tail;
    const covered = this.times[last]! - this.times[0]! + tail;
    if (covered > 0) return weighted / covered;
    let sum = 0;
    for (let i = 0; i < this.size; i++) sum += this.values[i]!;
    return sum / this.size;
  }

  /** Trapezoidal integral over the readings, in value × `unitMs` (W with 1 h → Wh). 0 with one reading. */
  integral(unitMs: number): number | undefined {
    if (this.size === 0) return undefined;
    let area = 0;
    for (let i = 0; i < this.size - 1; i++) {
      area += ((this.values[i]! + this.values[i + 1]!) / 2) * (this.times[i + 1]! - this.times[i]!);
    }
    return area / unitMs;
  }

  /**
   * Increase of a counter per `unitMs`, like Prometheus' rate: a drop is taken as a reset to zero, after which the
   * new value counts as increase. Undefined with fewer than two readings or no time between them.
   */
  counterRate(unitMs: number): number | undefined {
    if (this.size < 2) return undefined;
    const span = this.times[this.size - 1]! - this.times[0]!;
    if (span <= 0) return undefined;
    let increase = 0;
    for (let i = 1; i < this.size; i++) {
      const step = this.values[i]! - this.values[i - 1]!;
      increase += step >= 0 ? step : this.values[i]!;
    }
    return (increase / span) * unitMs;
  }
}
