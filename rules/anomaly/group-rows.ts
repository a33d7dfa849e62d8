/**
 * Turns the readings of a group's sensors, each at its own pace, into rows of one value per sensor. A row is closed
 * when every sensor has reported since the last row, or when a sensor reports again before that (a new round has
 * begun): the sensors that did not report this round carry their latest value, as long as it is not older than their
 * staleness limit. That costs O(p) per row, needs no clock, and gives one row per round for sensors that report
 * together, without doubling rows for a sensor that reports twice as often as the others.
 *
 * A sensor whose latest value is too old (it stopped, or it only ever sent NaN) makes the row incomplete: the
 * detector learns nothing from it and has no opinion, and `missing` names the silent sensors.
 */

/** Readings between rows count as one interval estimate; the typical interval follows them with this weight. */
const INTERVAL_WEIGHT = 0.1;
/** Default staleness limit: a carried value may be this many of its sensor's typical intervals old. */
export const DEFAULT_STALE_INTERVALS = 3;

export type RowOutcome = 'none' | 'complete' | 'incomplete';

export class GroupRows {
  /** The row last closed: values in sensor order, valid after `offer` returned `complete`. */
  readonly row: Float64Array;
  /** Its time: the newest timestamp among its values. */
  rowTime = Number.NaN;
  /** After an `incomplete` row: which sensors were too old or never reported (true = missing). */
  readonly missing: Uint8Array;
  private readonly values: Float64Array;
  private readonly times: Float64Array;
  private readonly typicalInterval: Float64Array;
  private readonly fresh: Uint8Array;
  private freshCount = 0;

  /** `staleAfterMs`: the fixed limit on a carried value's age; undefined: 3 × each sensor's typical interval. */
  constructor(
    readonly p: number,
    private readonly staleAfterMs: number | undefined,
  ) {
    this.row = new Float64Array(p);
    this.missing = new Uint8Array(p);
    this.values = new Float64Array(p).fill(Number.NaN);
    this.times = new Float64Array(p).fill(Number.NaN);
    this.typicalInterval = new Float64Array(p).fill(Number.NaN);
    this.fresh = new Uint8Array(p);
  }

  /**
   * Takes sensor `index`'s reading; a row closed by it is in `row` (complete) or described by `missing` (incomplete).
   * NaN and ±Infinity are not taken (the sensor's last good value ages as if it had not reported).
   */
  offer(index: number, timestamp: number, value: number): RowOutcome {
    if (!Number.isFinite(value) || !Number.isFinite(timestamp)) return 'none';
    let outcome: RowOutcome = 'none';
    // A second reading in this round: close the round first with what the others have.
    if (this.fresh[index] === 1) outcome = this.close();
    const previous = this.times[index]!;
    if (Number.isFinite(previous) && timestamp > previous) {
      const interval = timestamp - previous;
      const typical = this.typicalInterval[index]!;
      this.typicalInterval[index] = Number.isFinite(typical) ? typical + INTERVAL_WEIGHT * (interval - typical) : interval;
    }
    this.values[index] = value;
    this.times[index] = timestamp;
    this.fresh[index] = 1;
    this.freshCount += 1;
    if (this.freshCount === this.p) outcome = this.close();
    return outcome;
  }

  /** The wall clock was set by `stepMs`: the times of the values kept move with it. */
  clockStepped(stepMs: number): void {
    for (let i = 0; i < this.p; i++) this.times[i] = this.times[i]! + stepMs;
  }

  private close(): RowOutcome {
    let time = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.p; i++) if (this.times[i]! > time) time = this.times[i]!;
    let complete = true;
    for (let i = 0; i < this.p; i++) {
      const limit = this.staleAfterMs ?? DEFAULT_STALE_INTERVALS * this.typicalInterval[i]!;
      // Never reported, or older than allowed (an unknown interval allows only this round's values).
      const stale = this.fresh[i] === 0 && !(time - this.times[i]! <= limit);
      this.missing[i] = stale ? 1 : 0;
      if (stale) complete = false;
      this.row[i] = this.values[i]!;
    }
    this.rowTime = time;
    this.fresh.fill(0);
    this.freshCount = 0;
    return complete ? 'complete' : 'incomplete';
  }
}
