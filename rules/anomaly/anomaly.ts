import { type Detector, type DetectorEpisode, IGNORED, LEARNING, newVerdict, setVerdict } from './detector.js';
import { NoveltyScore } from './novelty-score.js';
import { PatternScale } from './pattern-scale.js';
import { z } from 'zod';
import { docsNotes, duration } from '../option-types.js';
import { count, defineDetector, number } from './detector-definition.js';
import { GROUP_DEFAULTS } from './group-anomaly.js';
import { ShapeMemory } from './shape-memory.js';

/**
 * The default detector, `anomaly: {}`: useful alerts on any sensor with no tuning. It learns each sensor's normal
 * level, the shapes its readings make, its flat runs and its reporting interval from its own recent history, and
 * fires on what that history has never shown:
 * - level: a reading beyond the range of the window (by a margin) and far from its median (robust z);
 * - pattern: the last `pattern` readings unlike any stretch in the window (nearest-neighbour distance), which
 *   catches a changed shape inside the normal range: new noise, a burst of spikes, a flat stretch; and the same
 *   on means of `coarse` readings, which sees slower shapes (a missing daily peak, a changed cycle); on the raw
 *   scale a stretch near a shape seen on separate occasions long ago (a long-term memory of `shapes` shapes) is no
 *   news either, so a weekly or rare-but-recurring shape that has left the window does not page;
 * - stuck: a run of identical readings much longer than any seen, on a sensor that does vary;
 * - missing: silence far beyond the usual interval and the longest gap seen (only through `tick`).
 * A score is each finding over its limit; an alert starts only when the score also beats the sensor's recent worst
 * (which fades by half every `memory` readings), so a sensor that is often odd in one way is not paged for it
 * every time. Everything is counted in readings and scaled to the sensor's own history: it works at any rate and
 * in any unit.
 *
 * A fault that persists stays active: at the onset the detector keeps the band the sensor kept before it, and while
 * readings stay outside that band the condition holds, however much the sliding history has since taken the new
 * level for normal. Only `acceptNewNormal` (an acknowledgement, `learn_new_normal_after`) lets the new level be normal.
 */
export interface AnomalySpec {
  /** Readings of history to compare with (level, pattern, intervals). */
  readonly window: number;
  /** No verdict before this many readings. */
  readonly min_readings: number;
  /** Robust z of the level that fires (beyond the range seen). */
  readonly threshold: number;
  /**
   * How far beyond the range of the window, in robust σ, a level must be to count as never seen: a new maximum by a
   * hair (the top of a daily cycle a little higher than last time) is not news.
   */
  readonly range_margin: number;
  /** Readings in a pattern (0 turns pattern novelty off), and the robust z of its novelty that fires. */
  readonly pattern: number;
  readonly pattern_threshold: number;
  /**
   * Readings the pattern search must have seen before its nearest-neighbour distances are learnt (on the coarse
   * scale the same span in blocks): distances found among few candidates are larger than the sensor's normal.
   */
  readonly pattern_warmup: number;
  /**
   * While the raw-scale pattern search fills its history (the first `window` readings), a stretch's distance is held
   * under 1 only inside the range of the distances found since this share of the readings seen so far: the larger
   * distances a smaller search found no longer hide later novelty. 0 turns it off.
   */
  readonly fill_range: number;
  /** Block size in readings of the coarse pattern scale (0 turns it off); it keeps 2.5 × window readings of history. */
  readonly coarse: number;
  /**
   * Shapes (stretches of `pattern` readings) kept in the long-term memory of the raw scale (0 turns it off). A shape
   * seen on two occasions at least `window` readings apart is established: a stretch near one is not news.
   */
  readonly shapes: number;
  /**
   * Within this many typical nearest-neighbour distances (the median of the window's) a stretch counts as a shape
   * already kept.
   */
  readonly shape_radius: number;
  /** A flat run fires when longer than this many times the longest flat run seen (and min_readings / 5). */
  readonly flat_factor: number;
  /** Silence fires beyond this many median intervals and 3× the longest gap in the window. */
  readonly missing_factor: number;
  /** Readings over which the recent worst score fades by half. */
  readonly memory: number;
  /** Once fired, the condition holds at least this many readings, so one failure is one alert. */
  readonly hold: number;
}

export const ANOMALY_DEFAULTS: AnomalySpec = {
  window: 1000,
  min_readings: 100,
  threshold: 5,
  range_margin: 1,
  pattern: 12,
  pattern_threshold: 5,
  pattern_warmup: 100,
  fill_range: 0.75,
  coarse: 24,
  shapes: 128,
  shape_radius: 2,
  flat_factor: 2,
  missing_factor: 10,
  memory: 1000,
  hold: 100,
};

/**
 * Hysteresis of the pre-alert band: a level fires beyond the range seen and `threshold` robust σ from the median;
 * it counts as back once inside that range or within this fraction of `threshold` σ.
 */
const BAND_RETURN = 0.5;

/** Scores beyond this all count as "very odd": one absurd score must not silence the detector for long. */
const WORST_CAP = 2;
const GAP_FACTOR = 3;

export class AnomalyDetector implements Detector {
  readonly kind = 'anomaly';
  private readonly spec: AnomalySpec;
  private readonly verdict = newVerdict();
  private readonly levels: NoveltyScore;
  private patterns: PatternScale[];
  private readonly intervals: NoveltyScore;
  private readonly fade: number;
  private seen = 0;
  private previousValue = Number.NaN;
  private previousTime = Number.NaN;
  private flatRun = 0;
  private longestFlatRun = 0;
  private changes = 0;
  private recentWorst = 0;
  private heldUntil = -1;
  /** The band of levels the sensor kept before the current episode began; NaN when no episode is on. */
  private bandLow = Number.NaN;
  private bandHigh = Number.NaN;
  /** `seen` when the current episode began: the readings since then are the level a new normal adopts. */
  private episodeStart = 0;
  /** `seen` at the episode's last reading outside the band. */
  private lastOutside = 0;
  /** The episode was resumed after a restart: what this detector learnt of patterns is the fault's alone. */
  private resumed = false;

  constructor(spec: Partial<AnomalySpec> = {}) {
    this.spec = { ...ANOMALY_DEFAULTS, ...spec };
    const { window, min_readings, pattern, coarse } = this.spec;
    if (!(min_readings >= 10)) throw new Error(`anomaly: min_readings must be at least 10, got ${min_readings}`);
    if (!(window >= min_readings)) {
      throw new Error(`anomaly: window (${window}) must be at least min_readings (${min_readings})`);
    }
    if (!(pattern === 0 || (pattern >= 2 && window > 3 * pattern))) {
      throw new Error(`anomaly: pattern must be 0 or 2..${Math.floor(window / 3)}, got ${pattern}`);
    }
    if (!(this.spec.range_margin >= 0)) throw new Error(`anomaly: range_margin must be at least 0, got ${this.spec.range_margin}`);
    this.levels = new NoveltyScore(window, this.spec.range_margin);
    if (!(coarse === 0 || coarse >= 2)) throw new Error(`anomaly: coarse must be 0 (off) or at least 2, got ${coarse}`);
    if (!(Number.isInteger(this.spec.shapes) && this.spec.shapes >= 0)) throw new Error(`anomaly: shapes must be a whole number, 0 (off) or more, got ${this.spec.shapes}`);
    if (!(Number.isInteger(this.spec.pattern_warmup) && this.spec.pattern_warmup >= 0)) {
      throw new Error(`anomaly: pattern_warmup must be a whole number of readings, 0 or more, got ${this.spec.pattern_warmup}`);
    }
    if (!(this.spec.fill_range >= 0 && this.spec.fill_range < 1)) throw new Error(`anomaly: fill_range must be at least 0 and below 1, got ${this.spec.fill_range}`);
    if (!(this.spec.shape_radius > 0)) throw new Error(`anomaly: shape_radius must be positive, got ${this.spec.shape_radius}`);
    this.patterns = this.newPatternScales();
    this.intervals = new NoveltyScore(window);
    if (!(this.spec.memory > 0 && this.spec.hold >= 0)) throw new Error('anomaly: memory must be positive and hold at least 0');
    this.fade = Math.pow(0.5, 1 / this.spec.memory);
  }

  /** Intervals and silence are measured from the last reading: it moves with the clock, so the step is no gap. */
  clockStepped(stepMs: number): void {
    this.previousTime += stepMs;
  }

  update(timestamp: number, value: number) {
    if (!Number.isFinite(value)) return setVerdict(this.verdict, false, 0, value, Number.NaN, IGNORED);
    const ready = this.seen >= this.spec.min_readings;
    let novelty = 0;
    for (const scale of this.patterns) novelty = Math.max(novelty, scale.push(value, this.spec.pattern_threshold));
    let score = 0;
    let reason = 'normal';
    let limit = Number.NaN;
    if (ready) {
      // The score is the largest finding; the reason is the plainest one over its limit (a spike is "above
      // normal" even though it is an unusual pattern too).
      if (novelty > 0) {
        score = novelty;
        reason = 'unusual pattern';
      }
      const flat = this.flatScore();
      if (flat > score || flat > 1) {
        reason = 'stuck';
        limit = this.longestFlatRun;
      }
      score = Math.max(score, flat);
      // During an episode the band from before it is the normal: a reading back inside it is no news, however new
      // to the sliding history. After a new normal was accepted, the level is judged again once enough was seen.
      const judged = this.levels.size >= this.spec.min_readings && (Number.isNaN(this.bandLow) || this.outsideBand(value));
      const level = judged ? this.levels.score(value, this.spec.threshold) : 0;
      if (level > score || level > 1) {
        const above = this.levels.z(value) > 0;
        reason = above ? 'above normal' : 'below normal';
        limit = this.levels.median + (above ? 1 : -1) * this.spec.threshold * this.levels.spread;
      }
      score = Math.max(score, level);
    }
    // Fire only beyond the sensor's recent worst: a sensor that is often this odd is this odd normally.
    const surprising = ready && score > 1 && score > this.recentWorst;
    const onset = surprising && this.seen > this.heldUntil;
    if (onset) this.keepBand();
    this.learn(timestamp, value);
    if (!ready) {
      // A band restored after a restart (`resumeEpisode`): readings outside it while relearning keep the episode on.
      if (this.outsideBand(value)) this.stillOutside();
      return setVerdict(this.verdict, false, 0, value, Number.NaN, LEARNING);
    }
    this.recentWorst = Math.max(Math.min(score, WORST_CAP), this.recentWorst * this.fade);
    if (surprising) this.heldUntil = this.seen + this.spec.hold;
    const outside = !surprising && this.seen <= this.heldUntil && this.outsideBand(value);
    // Still outside what was normal before the episode: the fault goes on, whatever the history now calls normal.
    if (outside) this.stillOutside();
    const active = surprising || this.seen <= this.heldUntil;
    if (!active && !Number.isNaN(this.bandLow)) this.episodeOver();
    if (outside) {
      const above = value > this.bandHigh;
      return setVerdict(this.verdict, true, score, value, above ? this.bandHigh : this.bandLow, above ? 'above normal' : 'below normal');
    }
    return setVerdict(this.verdict, active, score, value, limit, active && !surprising ? 'settling' : reason);
  }

  /**
   * The new level is normal now: the band from before the episode is dropped, the level history starts again from
   * the readings since the episode began (judged again once it holds `min_readings`), and the condition clears with
   * the next unsurprising reading instead of after `hold`.
   */
  acceptNewNormal(): void {
    // Only a level fault moves the level's normal; a pattern that was odd leaves the level history as it was.
    if (!Number.isNaN(this.bandLow)) this.levels.keepNewest(this.seen - this.episodeStart);
    this.bandLow = this.bandHigh = Number.NaN;
    this.heldUntil = this.seen;
    this.resumed = false;
  }

  private newPatternScales(): PatternScale[] {
    const { window, min_readings, pattern, coarse } = this.spec;
    if (pattern === 0) return [];
    const blocks = Math.max(3 * pattern + 1, Math.round((2.5 * window) / coarse));
    const { shapes, shape_radius } = this.spec;
    const memory = shapes > 0 ? { shapes: new ShapeMemory(pattern, shapes, window), radius: shape_radius } : undefined;
    const { pattern_warmup, fill_range } = this.spec;
    const fine = new PatternScale(1, pattern, window, min_readings / 2, memory, pattern_warmup, fill_range);
    // The fill range on the raw scale only: on the coarse one (2.5 × window readings to fill) it changed no score on NAB.
    return coarse > 0 ? [fine, new PatternScale(coarse, pattern, blocks, 30, undefined, Math.ceil(pattern_warmup / coarse))] : [fine];
  }

  /** The band from before a running episode; undefined when none is kept (no episode, or one without a band). */
  exportEpisode(): DetectorEpisode | undefined {
    return Number.isNaN(this.bandLow) ? undefined : { bandLow: this.bandLow, bandHigh: this.bandHigh };
  }

  /**
   * After a restart during an episode: the band from before it comes back, so while the readings stay outside it the
   * condition holds (reason `above normal`/`below normal`) once `min_readings` are relearnt, although the relearnt
   * history holds nothing but the fault's level. It clears `hold` readings after the last reading outside.
   */
  resumeEpisode(episode: DetectorEpisode): void {
    const low = episode.bandLow ?? Number.NaN;
    const high = episode.bandHigh ?? Number.NaN;
    if (!(Number.isFinite(low) && Number.isFinite(high) && low <= high)) {
      throw new Error(`anomaly: a saved episode needs finite bandLow <= bandHigh, got ${JSON.stringify(episode)}`);
    }
    this.bandLow = low;
    this.bandHigh = high;
    this.episodeStart = this.seen;
    this.resumed = true;
    this.stillOutside();
  }

  private stillOutside(): void {
    this.heldUntil = this.seen + this.spec.hold;
    this.lastOutside = this.seen;
  }

  /**
   * Back inside the band: a fault that lasted long enough to fill the history with its level was no normal, so the
   * history keeps only the readings since it passed (else a later return to it would not be news, and the normal
   * level, rarer in the history than the fault's, would look new).
   */
  private episodeOver(): void {
    if (this.outsideBand(this.levels.median)) this.levels.keepNewest(this.seen - this.lastOutside);
    this.bandLow = this.bandHigh = Number.NaN;
    // Restarted during the fault, the pattern history holds only its shapes: the normal's would all look new (the
    // slow return on the coarse scale fired again some 140 readings after the alert resolved). It starts afresh.
    if (this.resumed) this.patterns = this.newPatternScales();
    this.resumed = false;
  }

  /** Remembers, before the reading that starts an episode is learnt, the band of levels that were normal. */
  private keepBand(): void {
    const { levels } = this;
    this.episodeStart = this.lastOutside = this.seen;
    // Too little of a level learnt since a new normal was accepted to say what its band is: no band this time.
    if (levels.size < this.spec.min_readings) return;
    // Nor before the history was ever full: a sensor seen for less than `window` readings may not have shown all
    // of its normal yet, and a level it had not shown would page until acknowledged. Such an episode ends as any
    // other, `hold` readings after its last finding.
    if (this.seen < this.spec.window) return;
    const reach = BAND_RETURN * this.spec.threshold * levels.spread;
    this.bandLow = Math.min(levels.min, levels.median - reach);
    this.bandHigh = Math.max(levels.max, levels.median + reach);
  }

  private outsideBand(value: number): boolean {
    return value > this.bandHigh || value < this.bandLow;
  }

  /** Only silence is judged here; answers undefined unless the sensor is missing, so a tick never clears an alert. */
  tick(now: number) {
    const limit = this.missingLimit();
    const silence = now - this.previousTime;
    if (!(limit > 0) || silence <= limit) return undefined;
    return setVerdict(this.verdict, true, silence / limit, Number.NaN, limit, 'missing');
  }

  missingAt(): number {
    return this.previousTime + this.missingLimit();
  }

  /** Silence longer than this (ms) is missing data; NaN until enough intervals were seen. */
  private missingLimit(): number {
    if (this.intervals.size < this.spec.min_readings) return Number.NaN;
    return Math.max(this.spec.missing_factor * this.intervals.median, GAP_FACTOR * this.intervals.max);
  }

  /** How far the current flat run is past its limit; 0 on a sensor that has hardly ever changed (a switch, a constant). */
  private flatScore(): number {
    if (this.changes < this.spec.min_readings / 2) return 0;
    return this.flatRun / Math.max(this.spec.min_readings / 5, this.spec.flat_factor * this.longestFlatRun);
  }

  private learn(timestamp: number, value: number): void {
    this.seen += 1;
    this.levels.add(value);
    if (!Number.isNaN(this.previousValue)) {
      if (value === this.previousValue) {
        this.flatRun += 1;
      } else {
        this.changes += 1;
        this.longestFlatRun = Math.max(this.longestFlatRun, this.flatRun);
        this.flatRun = 0;
      }
      this.intervals.add(timestamp - this.previousTime);
    }
    this.previousValue = value;
    this.previousTime = timestamp;
  }
}

/** Options only a group (`across`) takes, and only the per-sensor `anomaly` takes. */
export const GROUP_KEYS = ['learn', 'variance', 'smoothing', 'quantile', 'margin', 'watch', 'stale_after', 'by_tag'] as const;
export const PER_SENSOR_KEYS = ['window', 'min_readings', 'threshold', 'range_margin', 'pattern', 'pattern_threshold', 'pattern_warmup', 'fill_range', 'coarse', 'shapes', 'shape_radius', 'flat_factor', 'missing_factor', 'memory', 'hold'] as const;

/**
 * `anomaly:` per sensor, or with `across` for a group of sensors (group-anomaly.ts; the alert schema keeps the group's
 * options apart). `learn_new_normal_after` is written here but applied by the lifecycle.
 */
export const anomaly = defineDetector({
  name: 'anomaly',
  description: 'the default, no tuning: whatever is unusual for each sensor (level, pattern, stuck, missing); with `across`, several sensors that stop moving together',
  schema: z
    .strictObject({
      window: count().optional().describe('Readings of history for level, pattern and interval statistics.').meta({ default: ANOMALY_DEFAULTS.window }),
      min_readings: count().optional().describe('No verdict (reason `learning`) before this many readings.').meta({ default: ANOMALY_DEFAULTS.min_readings }),
      threshold: number().positive().optional().describe('Robust z of the level that fires, beyond the range seen.').meta({ default: ANOMALY_DEFAULTS.threshold }),
      range_margin: number()
        .nonnegative()
        .optional()
        .describe("How far beyond the window's range (robust σ) a level must be to count as never seen; 0 = any new maximum or minimum.")
        .meta({ default: ANOMALY_DEFAULTS.range_margin }),
      pattern: z
        .number()
        .int()
        .nonnegative()
        .optional()
        .describe('Readings (or blocks) in a pattern; 0 turns pattern novelty off (about 10× cheaper, but 39.5 instead of 69.4 on NAB, in sample).')
        .meta({ default: ANOMALY_DEFAULTS.pattern }),
      pattern_threshold: number().positive().optional().describe("Robust z of a pattern's novelty that fires.").meta({ default: ANOMALY_DEFAULTS.pattern_threshold }),
      pattern_warmup: z
        .number()
        .int()
        .nonnegative()
        .optional()
        .describe(
          'Readings the pattern search must have taken in before its distances are learnt: among few candidates they are too large (the coarse scale: the same span in blocks).',
        )
        .meta({ default: ANOMALY_DEFAULTS.pattern_warmup }),
      fill_range: number()
        .min(0)
        .lt(1)
        .optional()
        .describe(
          'While the raw pattern history fills (the first `window` readings), a distance counts as seen only within the range of those found since this share of the readings so far (found among enough candidates); 0 = off.',
        )
        .meta({ default: ANOMALY_DEFAULTS.fill_range }),
      coarse: z
        .number()
        .int()
        .nonnegative()
        .optional()
        .describe('Block size (readings) of the coarse pattern scale; 0 turns it off.')
        .meta({ default: ANOMALY_DEFAULTS.coarse }),
      shapes: z
        .number()
        .int()
        .nonnegative()
        .optional()
        .describe(
          "Shapes in the raw scale's long-term memory (about 70 bytes each): a stretch near one seen on two occasions a window apart is not news; 0 turns it off.",
        )
        .meta({ default: ANOMALY_DEFAULTS.shapes }),
      shape_radius: number()
        .positive()
        .optional()
        .describe('Within this many median nearest-neighbour distances a stretch is a shape already kept.')
        .meta({ default: ANOMALY_DEFAULTS.shape_radius }),
      flat_factor: number().positive().optional().describe('A flat run fires beyond this many times the longest seen.').meta({ default: ANOMALY_DEFAULTS.flat_factor }),
      missing_factor: number()
        .positive()
        .optional()
        .describe('Silence fires beyond this many median intervals (and 3× the longest gap).')
        .meta({ default: ANOMALY_DEFAULTS.missing_factor }),
      memory: count().optional().describe('Readings over which the recent worst score fades by half.').meta({ default: ANOMALY_DEFAULTS.memory }),
      hold: z.number().int().nonnegative().optional().describe('Readings the condition stays active after it fired.').meta({ default: ANOMALY_DEFAULTS.hold }),
      learn_new_normal_after: duration()
        .optional()
        .describe('A fault still outside the band from before it this long after firing is resolved and taken as the new normal; absent: it fires until it clears or is acknowledged.')
        .register(docsNotes, { default: 'never' }),
      across: z
        .array(z.string().min(1))
        .optional()
        .describe(
          'Watch these 2 to 16 sensors together; fires when they stop moving together as learnt. Full names (`pump/flow`: one group per source, named after their common prefix) or last name levels (`flow`: one group per device, the name without its last level, as `derive` groups).',
        ),
      learn: count()
        .optional()
        .describe(
          'Group: rows in the learning period (at 1 Hz, 50 minutes; one reading a minute, about 2 days); at least 30, and 10 per sensor. It must see the device in all its usual states.',
        )
        .meta({ default: GROUP_DEFAULTS.learn }),
      variance: number()
        .gt(0)
        .max(1)
        .optional()
        .describe("Group: share of the standardised variance the model's principal components explain; the rest is what SPE watches.")
        .meta({ default: GROUP_DEFAULTS.variance }),
      smoothing: number().gt(0).max(1).optional().describe('Group: EWMA weight of a new row in the smoothed statistics; 1 = no smoothing.').meta({ default: GROUP_DEFAULTS.smoothing }),
      quantile: number()
        .gt(0)
        .max(1)
        .optional()
        .describe('Group: quantile of the held-out smoothed statistic the limit starts from (1 = its largest value).')
        .meta({ default: GROUP_DEFAULTS.quantile }),
      margin: number()
        .positive()
        .optional()
        .describe('Group: the limit is this many times that quantile; the condition clears under the quantile.')
        .meta({ default: GROUP_DEFAULTS.margin }),
      watch: z
        .enum(['spe', 't2', 'both'])
        .optional()
        .describe("Group: `spe` (off the learnt relationship), `t2` (Hotelling's T²: along it, further out than learnt) or `both`.")
        .meta({ default: GROUP_DEFAULTS.watch }),
      stale_after: duration()
        .optional()
        .describe("Group: how long a sensor's last value is carried into rows (a duration, e.g. `30s`); beyond it the group is incomplete.")
        .register(docsNotes, { default: '3 intervals' }),
      by_tag: z
        .string()
        .min(1)
        .optional()
        .describe('Group: one group per value of this tag (`by_tag: device`) instead of per source or device name; readings without the tag are left out.'),
    })
    .superRefine((spec, context) => {
      const given = (keys: readonly string[]) => keys.filter((key) => (spec as Record<string, unknown>)[key] !== undefined);
      const misplaced = spec.across === undefined ? given(GROUP_KEYS) : given(PER_SENSOR_KEYS);
      for (const key of misplaced) {
        context.addIssue({
          code: 'custom',
          path: [key],
          message: spec.across === undefined ? `${key} is an option of a group: add across: [sensor, …]` : `${key} is an option of the per-sensor anomaly detector, not of a group (across)`,
        });
      }
    })
    .nullish()
    .transform((spec) => spec ?? {}),
  create: (spec: Partial<AnomalySpec>) => new AnomalyDetector(spec),
});
