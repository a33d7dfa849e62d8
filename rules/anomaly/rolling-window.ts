/**
 * The latest readings of one sensor, bounded by count, by age, or both: a growable ring buffer of timestamps and
 * values with a running sum and sum of squares (taken about the first value, so large offsets keep their precision).
 */
export interface WindowBounds {
  /** Keep at most this many readings. */
  readonly readings?: number;
  /** Keep readings at most this many ms older than the newest. */
  readonly duration?: number;
}

/** Beyond this ratio of large to small terms, running sums keep fewer than ~10 of a double's 16 digits. */
const PRECISION_RATIO = 1e6;

export class RollingWindow {
  private times: Float64Array;
  private values: Float64Array;
  private head = 0;
  private count = 0;
  private offset = Number.NaN;
  private sum = 0;
  private sumSquares = 0;
  private sinceRecompute = 0;

  constructor(
    private readonly bounds: WindowBounds,
    /** Called with each value that leaves the window (to keep a sorted copy in step). */
    private readonly onEvict?: (value: number) => void,
  ) {
    if (bounds.readings === undefined && bounds.duration === undefined) throw new Error('a window needs readings or a duration');
    const capacity = Math.min(bounds.readings ?? 64, 1 << 16);
    this.times = new Float64Array(Math.max(2, capacity));
    this.values = new Float64Array(Math.max(2, capacity));
  }

  get size(): number {
    return this.count;
  }

  /** The wall clock was set by `stepMs`: the readings' times move with it, so ages stay as they were. */
  shiftTimes(stepMs: number): void {
    for (let i = 0; i < this.count; i++) {
      const at = (this.head + i) % this.times.length;
      this.times[at] = this.times[at]! + stepMs;
    }
  }

  /** The i-th oldest reading's value (0 = oldest). */
  valueAt(index: number): number {
    return this.values[(this.head + index) % this.values.length]!;
  }

  timeAt(index: number): number {
    return this.times[(this.head + index) % this.times.length]!;
  }

  get newestTime(): number {
    return this.count === 0 ? Number.NaN : this.timeAt(this.count - 1);
  }

  get mean(): number {
    return this.count === 0 ? Number.NaN : this.offset + this.sum / this.count;
  }

  /** Sample standard deviation; NaN with fewer than two readings. */
  get standardDeviation(): number {
    if (this.count < 2) return Number.NaN;
    const variance = (this.sumSquares - (this.sum * this.sum) / this.count) / (this.count - 1);
    return Math.sqrt(Math.max(0, variance));
  }

  /** Drops readings that are too old at `now` without adding one. */
  expire(now: number): void {
    const maxAge = this.bounds.duration;
    if (maxAge === undefined) return;
    while (this.count > 0 && now - this.timeAt(0) > maxAge) this.evictOldest();
  }

  push(timestamp: number, value: number): void {
    if (this.count === 0) this.offset = value;
    if (this.bounds.readings !== undefined && this.count >= this.bounds.readings) this.evictOldest();
    this.expire(timestamp);
    if (this.count === this.values.length) this.grow();
    const slot = (this.head + this.count) % this.values.length;
    this.times[slot] = timestamp;
    this.values[slot] = value;
    this.count += 1;
    const shifted = value - this.offset;
    this.sum += shifted;
    this.sumSquares += shifted * shifted;
    // Running sums drift after many add/remove pairs; an exact pass now and then keeps them honest.
    if (++this.sinceRecompute >= 4096) this.recompute();
  }

  clear(): void {
    while (this.count > 0) this.evictOldest();
  }

  /** Drops the oldest readings until at most `count` are left. */
  keepNewest(count: number): void {
    while (this.count > Math.max(0, count)) this.evictOldest();
  }

  private evictOldest(): void {
    const value = this.values[this.head]!;
    this.head = (this.head + 1) % this.values.length;
    this.count -= 1;
    const shifted = value - this.offset;
    this.sum -= shifted;
    this.sumSquares -= shifted * shifted;
    this.onEvict?.(value);
    if (this.count === 0) {
      this.sum = 0;
      this.sumSquares = 0;
    } else if (this.lostPrecision(shifted)) {
      this.recompute();
    }
  }

  /**
   * Whether the running sums have lost the spread of what is left: the value that just left dwarfed the rest (an
   * outlier's square held most of the sum of squares), or the offset is far from the values kept (it was such an
   * outlier). Either way the variance would be a small difference of large numbers; an exact pass rebases it.
   */
  private lostPrecision(evicted: number): boolean {
    const meanPart = (this.sum * this.sum) / this.count;
    const spreadPart = Math.max(0, this.sumSquares - meanPart);
    return evicted * evicted > PRECISION_RATIO * this.sumSquares || meanPart > PRECISION_RATIO * spreadPart;
  }

  private grow(): void {
    const length = this.values.length * 2;
    const times = new Float64Array(length);
    const values = new Float64Array(length);
    for (let index = 0; index < this.count; index++) {
      times[index] = this.timeAt(index);
      values[index] = this.valueAt(index);
    }
    this.times = times;
    this.values = values;
    this.head = 0;
  }

  private recompute(): void {
    this.sinceRecompute = 0;
    // About the window's own mean: sums of deviations then stay small, and the offset test above stays quiet.
    if (this.count > 0) {
      let total = 0;
      for (let index = 0; index < this.count; index++) total += this.valueAt(index);
      this.offset = total / this.count;
    }
    this.sum = 0;
    this.sumSquares = 0;
    for (let index = 0; index < this.count; index++) {
      const shifted = this.valueAt(index) - this.offset;
      this.sum += shifted;
      this.sumSquares += shifted * shifted;
    }
  }
}
