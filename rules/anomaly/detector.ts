/**
 * What every anomaly detector is: fed one sensor's readings in time order, it says whether its condition holds now.
 * Detectors are pure (time is the reading's timestamp or the `now` given to `tick`) and keep one instance per sensor.
 */

/** What a detector says about the latest reading. Detectors reuse one object: read it before the next call. */
export interface Verdict {
  /** The condition holds now (before `for:` / `keep_firing_for:`, which the lifecycle applies). */
  active: boolean;
  /** How strongly: 0 when normal, 1 at the detector's limit, more beyond it (a z-score over its limit, …). */
  score: number;
  /** The reading value the verdict is about; NaN for missing data. */
  value: number;
  /** The level or limit the value was compared with, in the sensor's unit where it has one; NaN when none. */
  threshold: number;
  /** A few words on why, fixed per detector and cause: `above`, `below`, `rising`, `stuck`, `missing` … */
  reason: string;
}

export interface Detector {
  /** The detector's name as written in the rule: threshold, rate, zscore, mad, ewma, cusum, … */
  readonly kind: string;
  /** Feeds one reading (timestamps in ms, ascending per sensor); returns the verdict for it. */
  update(timestamp: number, value: number): Readonly<Verdict>;
  /**
   * Time passes with no reading; only detectors that care about absence (missing data) answer, others return
   * undefined. The engine calls it on its clock tick for every sensor it has seen.
   */
  tick(now: number): Readonly<Verdict> | undefined;
  /**
   * The wall clock was set by `stepMs`: detectors that keep times move them with it, so a jump of days at NTP
   * synchronisation is not days of silence, nor a rate of change over days. Detectors that keep no times leave it out.
   */
  clockStepped?(stepMs: number): void;
  /**
   * Detectors that report missing data (through `tick`): the time after which silence will count as missing, so a
   * sensor is not forgotten for its silence before its alert had a chance to start; NaN while it cannot tell yet.
   */
  missingAt?(): number;
  /**
   * A person acknowledged the alert, or `learn_new_normal_after` ran out: what the sensor does now is its normal.
   * Detectors that remember the normal from before an alert drop it and learn the new level; others leave it out.
   */
  acceptNewNormal?(): void;
  /**
   * What the detector needs to go on judging a running episode after a restart (plain JSON numbers), or undefined when
   * it needs nothing: the anomaly detector's band from before the episode, without which a restarted detector would
   * learn a persisting fault's level as normal and resolve its alert. Saved with the alert state.
   */
  exportEpisode?(): DetectorEpisode | undefined;
  /** Takes `exportEpisode` output in a fresh detector after a restart; throws on a snapshot it cannot use. */
  resumeEpisode?(episode: DetectorEpisode): void;
}

/** A detector's part of a running episode, saved with the alert's lifecycle: named finite numbers. */
export type DetectorEpisode = Readonly<Record<string, number>>;

/**
 * The reason a detector gives while it is still learning: it has no opinion yet, so the lifecycle keeps the alert
 * where it is (a firing alert restored after a restart is not resolved by a detector that is relearning).
 */
export const LEARNING = 'learning';

/** The reason for a reading a detector cannot use (NaN, ±Infinity): it learns nothing from it and has no opinion. */
export const IGNORED = 'ignored: not a finite number';

/** Learning or ignored: the detector has no opinion on this reading. */
export function hasNoOpinion(verdict: Readonly<Verdict>): boolean {
  return verdict.reason === LEARNING || verdict.reason === IGNORED;
}

export function newVerdict(): Verdict {
  return { active: false, score: 0, value: Number.NaN, threshold: Number.NaN, reason: 'normal' };
}

/** Fills a verdict in place (no allocation on the hot path). */
export function setVerdict(
  verdict: Verdict,
  active: boolean,
  score: number,
  value: number,
  threshold: number,
  reason: string,
): Verdict {
  verdict.active = active;
  verdict.score = score;
  verdict.value = value;
  verdict.threshold = threshold;
  verdict.reason = reason;
  return verdict;
}
