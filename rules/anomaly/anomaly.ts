import { type Detector, LEARNING, newVerdict, setVerdict } from './detector.js';
import { RollingWindow } from './rolling-window.js';
import { SortedValues } from './sorted-values.js';

/**
 * The default detector, `anomaly: {}`: good alerts on any sensor with no tuning. It learns each sensor's normal
 * level, step size, flat runs and reporting interval from its own history and fires on what is new:
 * - level: a reading far outside the recent distribution (robust z against median and MAD of the window);
 * - step: a jump between consecutive readings far larger than the usual steps;
 * - drift: a sustained shift of the mean (CUSUM on robust z), which finds slow failures before any limit;
 * - stuck: a run of identical readings much longer than any seen before, on a sensor that does vary;
 * - missing: silence much longer than the usual interval (through `tick`).
 * Everything is scaled to the sensor's own history and counted in readings, so it works at any rate and unit.
 */
export interface AnomalySpec {
  /** Readings of history the level and step statistics are taken over. */
  readonly window: number;
  /** No verdict before this many readings. */
  readonly min_readings: number;
  /** Robust z of the level that fires. */
  readonly threshold: number;
  /** Robust z of the step from the previous reading that fires. */
  readonly step_threshold: number;
  /** CUSUM slack and decision interval, in robust standard deviations. */
  readonly drift_k: number;
  readonly drift_h: number;
  /** A flat run fires when longer than this many times the longest flat run seen so far. */
  readonly flat_factor: number;
  /** Silence fires when longer than this many times the median reporting interval. */
  readonly missing_factor: number;
  /** A score must beyond this times the recent worst score (which halves over `window` readings) to fire. */
  readonly surprise: number;
  /** Once fired, the condition holds at least this many readings, so one failure is one alert. */
  readonly hold: number;
}

export const ANOMALY_DEFAULTS: AnomalySpec = {
  window: 1000,
  min_readings: 100,
  threshold: 5,
  step_threshold: 8,
  drift_k: 1,
  drift_h: 20,
  flat_factor: 2,
  missing_factor: 10,
  hold: 50,
  surprise: 1,
};

const MAD_TO_SIGMA = 1.4826;

export class AnomalyDetector implements Detector {
  readonly kind = 'anomaly';
  private readonly spec: AnomalySpec;
  private readonly verdict = newVerdict();
  private readonly levels = new SortedValues();
  private readonly levelWindow: RollingWindow;
  private readonly steps = new SortedValues();
  private readonly stepWindow: RollingWindow;
  private readonly intervals = new SortedValues();
  private readonly intervalWindow: RollingWindow;
  private seen = 0;
  private previousValue = Number.NaN;
  private previousTime = Number.NaN;
  private upper = 0;
  private lower = 0;
  private flatRun = 0;
  private longestFlatRun = 0;
  private changes = 0;
  private heldUntil = -1;
  private recentWorst = 0;
  private readonly decay: number;

  constructor(spec: Partial<AnomalySpec> = {}) {
    this.spec = { ...ANOMALY_DEFAULTS, ...spec };
    if (!(this.spec.min_readings >= 10)) throw new Error(`anomaly: min_readings must be at least 10, got ${this.spec.min_readings}`);
    if (!(this.spec.window >= this.spec.min_readings)) throw new Error('anomaly: window must be at least min_readings');
    this.decay = Math.pow(0.5, 1 / this.spec.window);
    this.levelWindow = new RollingWindow({ readings: this.spec.window }, (value) => this.levels.remove(value));
    this.stepWindow = new RollingWindow({ readings: this.spec.window }, (value) => this.steps.remove(value));
    this.intervalWindow = new RollingWindow({ readings: this.spec.window }, (value) => this.intervals.remove(value));
  }

  update(timestamp: number, value: number) {
    const ready = this.seen >= this.spec.min_readings;
    const step = Math.abs(value - this.previousValue);
    let score = 0;
    let reason = 'normal';
    let limit = Number.NaN;
    if (ready) {
      const median = this.levels.median;
      const spread = this.spread(this.levels, median);
      const z = (value - median) / spread;
      // Only what the window has never seen is news: a spike like the last ten spikes is this sensor's normal.
      const inside = value >= this.levels.quantile(0) && value <= this.levels.quantile(1);
      const level = inside ? Math.min(0.9, Math.abs(z) / this.spec.threshold) : Math.abs(z) / this.spec.threshold;
      if (level > score) [score, reason, limit] = [level, z > 0 ? 'above normal' : 'below normal', median + Math.sign(z) * this.spec.threshold * spread];
      const stepMedian = this.steps.median;
      const stepRaw = (step - stepMedian) / this.spread(this.steps, stepMedian) / this.spec.step_threshold;
      const stepScore = step <= this.steps.quantile(1) ? Math.min(0.9, stepRaw) : stepRaw;
      if (stepScore > score) [score, reason, limit] = [stepScore, 'sudden jump', stepMedian];
      const clamped = Math.max(-this.spec.drift_h, Math.min(this.spec.drift_h, z));
      this.upper = Math.max(0, this.upper + clamped - this.spec.drift_k);
      this.lower = Math.max(0, this.lower - clamped - this.spec.drift_k);
      const drift = Math.max(this.upper, this.lower) / this.spec.drift_h;
      if (drift > score) [score, reason, limit] = [drift, this.upper > this.lower ? 'drifting up' : 'drifting down', median];
      // Restart the sums once they signal, as a tabular CUSUM does, so a long seasonal swing is not one endless alarm.
      if (drift > 1) this.upper = this.lower = 0;
      const flat = this.changes >= this.spec.min_readings / 2 ? this.flatRun / Math.max(this.spec.min_readings / 5, this.spec.flat_factor * this.longestFlatRun) : 0;
      if (flat > score) [score, reason, limit] = [flat, 'stuck', this.longestFlatRun];
    }
    this.learn(timestamp, value, step);
    if (!ready) return setVerdict(this.verdict, false, 0, value, Number.NaN, LEARNING);
    // Fire only on a score beyond the sensor's recent worst: a sensor that is often this odd is this odd normally.
    const surprising = score > 1 && score > this.recentWorst * this.spec.surprise;
    this.recentWorst = Math.max(score, this.recentWorst * this.decay);
    if (surprising) this.heldUntil = this.seen + this.spec.hold;
    const active = surprising || this.seen <= this.heldUntil;
    return setVerdict(this.verdict, active, score, value, limit, active && score <= 1 ? 'settling' : reason);
  }

  /** Only silence is judged here; answers undefined unless the sensor is missing, so a tick never clears an alert. */
  tick(now: number) {
    if (this.intervals.size < this.spec.min_readings) return undefined;
    // Silence counts once it is both far beyond the usual interval and longer than any gap the window has seen.
    const limit = Math.max(this.spec.missing_factor * this.intervals.median, 1.5 * this.intervals.quantile(1));
    const silence = now - this.previousTime;
    if (!(limit > 0) || silence <= limit) return undefined;
    return setVerdict(this.verdict, true, silence / limit, Number.NaN, limit, 'missing');
  }

  private spread(sorted: SortedValues, median: number): number {
    const mad = sorted.medianAbsoluteDeviation() * MAD_TO_SIGMA;
    const range = (sorted.quantile(0.95) - sorted.quantile(0.05)) / 10;
    return Math.max(mad, range, 1e-9 * Math.max(1, Math.abs(median)));
  }

  private learn(timestamp: number, value: number, step: number): void {
    this.seen += 1;
    this.levelWindow.push(timestamp, value);
    this.levels.insert(value);
    if (!Number.isNaN(step)) {
      this.stepWindow.push(timestamp, step);
      this.steps.insert(step);
      if (step === 0) {
        this.flatRun += 1;
      } else {
        this.changes += 1;
        this.longestFlatRun = Math.max(this.longestFlatRun, this.flatRun);
        this.flatRun = 0;
      }
    }
    if (!Number.isNaN(this.previousTime)) {
      this.intervalWindow.push(timestamp, timestamp - this.previousTime);
      this.intervals.insert(timestamp - this.previousTime);
    }
    this.previousValue = value;
    this.previousTime = timestamp;
  }
}
