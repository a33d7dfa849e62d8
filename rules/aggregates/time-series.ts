/**
 * How far a window's readings are settled: no reading earlier than `time` can still come into the window (its
 * operator drops such a reading as late), so the order-dependent state before it can be folded into sums. The
 * window operator owns it and only ever moves it forward; −∞, the default, folds nothing.
 */
export interface FoldHorizon {
  time: number;
}

/**
 * A window's readings in event-time order, for the aggregates that depend on order and spacing (time-weighted
 * mean, integral, rate); one per window, shared by all of them. Kept in two growable typed arrays: a reading that
 * arrives in order is appended in O(1); one that arrives late is placed by binary search and a block move. Readings
 * with equal times stay in arrival order.
 *
 * Readings before the window's fold horizon can no longer have another reading placed between them, so when the
 * arrays are full those are folded into running sums (the same sums, added in the same order, that the aggregates
 * compute), and only the last of them is kept as a point: the left end of the first interval still open. A window
 * that takes readings for days thus holds the readings of its last few seconds, not all of them.
 */
export class TimeSeries {
  private times: Float64Array;
  private values: Float64Array;
  /** Readings stored as points; with folded ones, the first of them is the last reading folded over. */
  private length = 0;
  /** Readings folded into the sums below and no longer stored. */
  private folded = 0;
  /** The earliest reading, once it is folded away. */
  private firstTime = Number.NaN;
  private firstValue = Number.NaN;
  /** Over the folded readings and the interval from each to the next: Σ vᵢ·Δt, Σ (vᵢ + vᵢ₊₁)·Δt, counter increase, Σ vᵢ. */
  private foldedWeighted = 0;
  private foldedArea = 0;
  private foldedIncrease = 0;
  private foldedSum = 0;

  constructor(
    capacity = 16,
    private readonly horizon?: Readonly<FoldHorizon>,
  ) {
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  /** Readings in the series, folded or stored. */
  get size(): number {
    return this.folded + this.length;
  }

  /** Readings still stored one by one: what the series' memory grows with. */
  get storedPoints(): number {
    return this.length;
  }

  /** Time of the `index`-th stored reading. */
  timeAt(index: number): number {
    return this.times[index]!;
  }

  /** Value of the `index`-th stored reading. */
  valueAt(index: number): number {
    return this.values[index]!;
  }

  add(time: number, value: number): void {
    if (this.length === this.times.length) this.makeRoom();
    let at = this.length;
    if (at > 0 && this.times[at - 1]! > time) {
      at = this.firstAfter(time);
      if (at === 0 && this.folded > 0) {
        // Before the folded part, which the horizon promised cannot happen: kept at the fold's edge, never lost.
        at = 1;
        time = this.times[0]!;
      }
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
    this.folded = 0;
    this.firstTime = Number.NaN;
    this.firstValue = Number.NaN;
    this.foldedWeighted = 0;
    this.foldedArea = 0;
    this.foldedIncrease = 0;
    this.foldedSum = 0;
  }

  /**
   * Folds the readings before `horizon` into the running sums, keeping the last of them as a point. Only for a
   * horizon no reading will come before any more (the window operator drops those as late).
   */
  foldBefore(horizon: number): void {
    const keep = this.firstAtOrAfter(horizon) - 1;
    if (keep <= 0) return;
    this.foldFirst(keep, Number.NaN, Number.NaN);
    this.times.copyWithin(0, keep, this.length);
    this.values.copyWithin(0, keep, this.length);
    this.length -= keep;
  }

  /**
   * Adds every reading of `other` (left unchanged) as if it arrived after this series' readings. A folded part
   * cannot take readings between its own, so with folding only series that follow one another merge (as session
   * windows do): one that starts at or after this one's end, or an unfolded one that starts at or after this one's
   * folded part.
   */
  merge(other: TimeSeries): void {
    const n = this.length;
    const m = other.length;
    if (m === 0) return;
    if (n === 0) {
      this.copyFrom(other);
      return;
    }
    if (this.times[n - 1]! <= other.startTime) {
      if (other.folded > 0) this.foldAllThenAppend(other);
      else this.append(other);
      return;
    }
    if (other.folded > 0 || (this.folded > 0 && other.times[0]! < this.times[0]!)) {
      throw new Error('cannot merge time series whose readings interleave with a folded part');
    }
    // Both stored parts are sorted: one stable merge pass, ours first on equal times.
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
    let weighted = this.foldedWeighted;
    for (let i = 0; i < n - 1; i++) weighted += this.values[i]! * (this.times[i + 1]! - this.times[i]!);
    const tail = Math.max(0, end - this.times[n - 1]!);
    weighted += this.values[n - 1]! * tail;
    const covered = this.times[n - 1]! - this.startTime + tail;
    if (covered > 0) return weighted / covered;
    let sum = this.foldedSum;
    for (let i = 0; i < n; i++) sum += this.values[i]!;
    return sum / this.size;
  }

  /**
   * Trapezoidal integral over the readings (not beyond the first and last), in value × `unitMs`: W over ms with a
   * unit of 1 h gives Wh. 0 for a single reading, like InfluxDB's integral().
   */
  integral(unitMs: number): number | undefined {
    const n = this.length;
    if (n === 0) return undefined;
    let area = this.foldedArea;
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
    if (this.size < 2) return undefined;
    const span = this.times[n - 1]! - this.startTime;
    if (!(span > 0)) return undefined;
    let increase = this.foldedIncrease;
    for (let i = 1; i < n; i++) {
      const current = this.values[i]!;
      const previous = this.values[i - 1]!;
      increase += current >= previous ? current - previous : current;
    }
    return (increase / span) * unitMs;
  }

  /** Time of the earliest reading, folded or stored; only for a series with readings. */
  private get startTime(): number {
    return this.folded > 0 ? this.firstTime : this.times[0]!;
  }

  /** Full: fold what the horizon allows, and grow only when that frees less than half, so each add stays O(1) amortised. */
  private makeRoom(): void {
    const horizon = this.horizon === undefined ? Number.NEGATIVE_INFINITY : this.horizon.time;
    if (this.length > 1 && this.times[1]! < horizon) this.foldBefore(horizon);
    if (this.length * 2 > this.times.length) this.grow(this.times.length * 2 || 16);
  }

  /** `other` starts at or after our last reading and has a folded part: all of ours folds, then the interval to it, then its sums. */
  private foldAllThenAppend(other: TimeSeries): void {
    this.foldFirst(this.length, other.firstTime, other.firstValue);
    this.foldedWeighted += other.foldedWeighted;
    this.foldedArea += other.foldedArea;
    this.foldedIncrease += other.foldedIncrease;
    this.foldedSum += other.foldedSum;
    this.folded += other.folded;
    this.length = 0;
    this.append(other);
  }

  /**
   * Adds the first `count` readings to the running sums, each with the interval to the reading after it: the next
   * stored one, or (`tailTime`, `tailValue`) after the last stored one. Leaves the stored readings where they are.
   */
  private foldFirst(count: number, tailTime: number, tailValue: number): void {
    const n = this.length;
    const times = this.times;
    const values = this.values;
    if (this.folded === 0) {
      this.firstTime = times[0]!;
      this.firstValue = values[0]!;
    }
    // Term by term as timeWeightedMean, integral and counterRate add them, so their results do not change.
    let weighted = this.foldedWeighted;
    let area = this.foldedArea;
    let increase = this.foldedIncrease;
    let sum = this.foldedSum;
    for (let i = 0; i < count; i++) {
      const value = values[i]!;
      const nextTime = i + 1 < n ? times[i + 1]! : tailTime;
      const next = i + 1 < n ? values[i + 1]! : tailValue;
      const step = nextTime - times[i]!;
      weighted += value * step;
      area += (value + next) * step;
      increase += next >= value ? next - value : next;
      sum += value;
    }
    this.foldedWeighted = weighted;
    this.foldedArea = area;
    this.foldedIncrease = increase;
    this.foldedSum = sum;
    this.folded += count;
  }

  private append(other: TimeSeries): void {
    const n = this.length;
    const m = other.length;
    if (n + m > this.times.length) this.grow(Math.max(n + m, n * 2));
    this.times.set(other.times.subarray(0, m), n);
    this.values.set(other.values.subarray(0, m), n);
    this.length = n + m;
  }

  private copyFrom(other: TimeSeries): void {
    this.folded = other.folded;
    this.firstTime = other.firstTime;
    this.firstValue = other.firstValue;
    this.foldedWeighted = other.foldedWeighted;
    this.foldedArea = other.foldedArea;
    this.foldedIncrease = other.foldedIncrease;
    this.foldedSum = other.foldedSum;
    this.append(other);
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

  /** Index of the first reading at or after `time` (binary search). */
  private firstAtOrAfter(time: number): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.times[middle]! < time) low = middle + 1;
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
