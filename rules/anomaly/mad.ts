import { type Detector, IGNORED, LEARNING, newVerdict, setVerdict } from './detector.js';
import { RollingWindow } from './rolling-window.js';
import { SortedValues } from './sorted-values.js';
import { directed, windowBounds, type ZScoreSpec } from './zscore.js';
import { z } from 'zod';
import { count, defineDetector, direction, number } from './detector-definition.js';

/**
 * Robust z-score: distance from the window's median in units of its median absolute deviation (×1.4826, so it
 * matches a standard deviation for normal data). Outliers in the window barely move median and MAD, unlike mean
 * and standard deviation, so one spike does not blind the detector to the next.
 */
export interface MadSpec extends ZScoreSpec {
  /** Smallest spread (in the sensor's unit) to divide by, for sensors that often repeat the same value. */
  readonly min_spread?: number;
}

const MAD_TO_SIGMA = 1.4826;

export class MadDetector implements Detector {
  readonly kind = 'mad';
  private readonly verdict = newVerdict();
  private readonly sorted = new SortedValues();
  private readonly window: RollingWindow;

  constructor(private readonly spec: MadSpec) {
    if (!(spec.threshold > 0)) throw new Error(`mad: threshold must be positive, got ${spec.threshold}`);
    if (!(spec.min_readings >= 3)) throw new Error(`mad: min_readings must be at least 3, got ${spec.min_readings}`);
    this.window = new RollingWindow(spec.window, (value) => this.sorted.remove(value));
  }

  clockStepped(stepMs: number): void {
    this.window.shiftTimes(stepMs);
  }

  update(timestamp: number, value: number) {
    if (!Number.isFinite(value)) return setVerdict(this.verdict, false, 0, value, Number.NaN, IGNORED);
    this.window.expire(timestamp);
    const ready = this.window.size >= this.spec.min_readings;
    const median = this.sorted.median;
    const spread = Math.max(this.sorted.medianAbsoluteDeviation() * MAD_TO_SIGMA, this.spec.min_spread ?? 0);
    this.window.push(timestamp, value);
    this.sorted.insert(value);
    if (!ready) return setVerdict(this.verdict, false, 0, value, Number.NaN, LEARNING);
    const z = spread > 0 ? (value - median) / spread : value === median ? 0 : Math.sign(value - median) * Infinity;
    const score = directed(z, this.spec.direction) / this.spec.threshold;
    const limit = median + Math.sign(z || 1) * this.spec.threshold * spread;
    return setVerdict(this.verdict, score > 1, Math.max(0, score), value, limit, z >= 0 ? 'above' : 'below');
  }

  tick() {
    return undefined;
  }
}

export const mad = defineDetector({
  name: 'mad',
  description: 'robust z-score from the median and the median absolute deviation, so earlier outliers do not widen the limits',
  schema: z.strictObject({
    threshold: number().positive().default(3.5).describe('The robust z-score that fires.'),
    window: windowBounds.prefault({ readings: 100 }).describe('The readings median and MAD are taken over: { readings: 100 }, { duration: 1h } or both.'),
    min_readings: count().default(10).describe('No verdict before this many readings.'),
    direction: direction(),
    min_spread: number().nonnegative().default(0).describe('Smallest spread to divide by, in the sensor unit.'),
  }),
  create: (spec: MadSpec) => new MadDetector(spec),
});
