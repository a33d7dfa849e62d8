/**
 * Notices the wall clock being set: between two looks, wall time and monotonic time should advance by the same
 * amount; when they differ by more than the tolerance, the wall clock stepped (NTP synchronising after a boot with
 * a stale time, an administrator, a GPS fix). Slewing, the small speed-ups NTP uses for drift, stays under it.
 */
export class ClockStepDetector {
  private lastWall = Number.NaN;
  private lastMonotonic = Number.NaN;

  constructor(private readonly toleranceMs: number) {
    if (!(toleranceMs > 0)) throw new RangeError(`clock step tolerance must be positive, got ${toleranceMs}`);
  }

  /** Takes a pair of readings of both clocks (ms); returns the step since the last pair, or 0 when none. */
  observe(wallMs: number, monotonicMs: number): number {
    const step = Number.isNaN(this.lastWall) ? 0 : wallMs - this.lastWall - (monotonicMs - this.lastMonotonic);
    this.lastWall = wallMs;
    this.lastMonotonic = monotonicMs;
    return Math.abs(step) > this.toleranceMs ? step : 0;
  }
}
