import type { SkewAction, SourceTimestampDefaults, SourceTimestampOverrides } from '../../drivers/timestamp-options.js';

/** How one source's own timestamps are checked: `time.source_timestamps` with the source's `timestamps:` over it. */
export interface SourceTimestampPolicy {
  /** Tolerance ahead of the agent's clock (a time in the future), ms. */
  readonly maxAheadMs: number;
  /** Tolerance behind it (an older time), ms. */
  readonly maxBehindMs: number;
  readonly onSkew: SkewAction;
}

/** The policy of a source from the global defaults and its driver's parsed options (which may hold `timestamps`). */
export function sourceTimestampPolicy(defaults: SourceTimestampDefaults, driverOptions: unknown): SourceTimestampPolicy {
  const own: SourceTimestampOverrides =
    typeof driverOptions === 'object' && driverOptions !== null ? (driverOptions as { timestamps?: SourceTimestampOverrides }).timestamps : undefined;
  // Key by key: what the source gives wins; max_behind, where neither gives it, is max_skew.
  const maxSkew = own?.max_skew ?? defaults.max_skew;
  const maxBehind = own?.max_behind ?? defaults.max_behind ?? maxSkew;
  return { maxAheadMs: maxSkew, maxBehindMs: maxBehind, onSkew: own?.on_skew ?? defaults.on_skew };
}

/** Where a check reports what it found; the agent's bad-input log and logger fit. */
export interface SourceTimestampReports {
  /** Counted per kind and logged once per kind and source, then at most once a minute. */
  skewed(kind: 'timestamp-ahead' | 'timestamp-behind', message: string, context: Record<string, unknown>): void;
  info(context: object, message: string): void;
}

/** Readings whose timestamp was beyond the tolerance, by what was done with them. */
export type SkewCounts = Record<SkewAction, number>;

/**
 * Checks the timestamps a source's readings carry themselves (a payload's time field) against the agent's clock at
 * arrival. Within the tolerance the source's time stands. Beyond it the reading is re-stamped with its arrival time,
 * kept as it is, or dropped, as configured; each such reading is counted and reported.
 *
 * While the system clock is not synchronised there is nothing trustworthy to check against, and every source
 * timestamp is replaced by the arrival time whatever `on_skew` says: the agent's results of that time are re-dated
 * by the correction the synchronisation reveals, which would shift a source's (right) time as well and make it wrong
 * by exactly that correction, whereas the arrival time comes out right.
 */
export class SourceTimestampCheck {
  readonly counts: SkewCounts = { replace: 0, keep: 0, drop: 0 };
  /** Said once per stretch without synchronisation, not once per reading. */
  private unsynchronisedNoted = false;

  constructor(
    private readonly source: string,
    private readonly policy: SourceTimestampPolicy,
    private readonly clockSynchronised: () => boolean,
    private readonly reports: SourceTimestampReports,
  ) {}

  /** The time to stamp a reading with that carried `timestamp` and arrived at `now`; undefined: drop it. */
  timeOf(sensor: string, timestamp: number, now: number): number | undefined {
    // NaN and Infinity are bad input, reported as such where the reading is taken in.
    if (!Number.isFinite(timestamp)) return timestamp;
    if (!this.clockSynchronised()) return this.unsynchronised(now);
    this.unsynchronisedNoted = false;
    const skew = timestamp - now;
    const ahead = skew > 0;
    if (ahead ? skew <= this.policy.maxAheadMs : -skew <= this.policy.maxBehindMs) return timestamp;

    const action = this.policy.onSkew;
    this.counts[action] += 1;
    const tolerance = ahead ? this.policy.maxAheadMs : this.policy.maxBehindMs;
    this.reports.skewed(
      ahead ? 'timestamp-ahead' : 'timestamp-behind',
      `${sensor}: its time ${isoTime(timestamp)} is ${describeSpan(Math.abs(skew))} ${ahead ? 'ahead of' : 'behind'} the local clock, more than ${describeSpan(tolerance)}; ${OUTCOME[action]}`,
      { sensor, source_time: isoTime(timestamp), local_time: isoTime(now), skew_ms: skew, action },
    );
    if (action === 'drop') return undefined;
    return action === 'replace' ? now : timestamp;
  }

  private unsynchronised(now: number): number {
    if (!this.unsynchronisedNoted) {
      this.unsynchronisedNoted = true;
      this.reports.info(
        { source: this.source },
        "the system clock is not synchronised: this source's own timestamps are replaced by arrival times until it is, and re-dated with everything else",
      );
    }
    return now;
  }
}

const OUTCOME: Record<SkewAction, string> = {
  replace: 'stamped with its arrival time instead',
  keep: 'kept as it is (on_skew: keep)',
  drop: 'dropped (on_skew: drop)',
};

/** ISO 8601, or the number where it is beyond what a Date can hold (a payload may say 1e20). */
function isoTime(ms: number): string {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/** `3 d`, `1.5 h`, `12 min`, `7.2 s`: a span as a person reads it in a log line. */
function describeSpan(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000]] as const) {
    // Rounded first: a skew a few ms short of an hour (measured at arrival) is "1 h", not "60 min".
    const amount = Math.round((ms / size) * 10) / 10;
    if (amount >= 1) return `${amount} ${unit}`;
  }
  return `${Math.round(ms / 100) / 10} s`;
}
