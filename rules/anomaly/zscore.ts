import { type Detector, IGNORED, LEARNING, newVerdict, setVerdict } from './detector.js';
import { RollingWindow, type WindowBounds } from './rolling-window.js';
import { z } from 'zod';
import { count, defineDetector, direction, number } from './detector-definition.js';
import { duration } from '../option-types.js';

/**
 * Rolling z-score: how many standard deviations the reading is from the mean of the window before it. The reading
 * joins the window after it is judged, so a spike does not hide itself.
 */
export interface ZScoreSpec {
  /** |z| above this fires (3 by default in the YAML). */
  readonly threshold: number;
  /** The window: the latest `readings`, or readings of the last `duration` ms, or both. */
  readonly window: WindowBounds;
  /** No verdict until the window holds this many readings. */
  readonly min_readings: number;
  /** Which side counts: `both` (default), `above` or `below`. */
  readonly direction?: 'both' | 'above' | 'below';
}

/** `both` → |z|, `above` → z, `below` → −z: the part of a signed score that the direction cares about. */
export function directed(score: number, direction: ZScoreSpec['direction']): number {
  if (direction === 'above') return score;
  if (direction === 'below') return -score;
  return Math.abs(score);
}

export class ZScoreDetector implements Detector {
  readonly kind = 'zscore';
  private readonly verdict = newVerdict();
  private readonly window: RollingWindow;

  constructor(private readonly spec: ZScoreSpec) {
    if (!(spec.threshold > 0)) throw new Error(`zscore: threshold must be positive, got ${spec.threshold}`);
    if (!(spec.min_readings >= 2)) throw new Error(`zscore: min_readings must be at least 2, got ${spec.min_readings}`);
    this.window = new RollingWindow(spec.window);
  }

  clockStepped(stepMs: number): void {
    this.window.shiftTimes(stepMs);
  }

  update(timestamp: number, value: number) {
    if (!Number.isFinite(value)) return setVerdict(this.verdict, false, 0, value, Number.NaN, IGNORED);
    this.window.expire(timestamp);
    const mean = this.window.mean;
    const deviation = this.window.standardDeviation;
    const ready = this.window.size >= this.spec.min_readings;
    this.window.push(timestamp, value);
    if (!ready) return setVerdict(this.verdict, false, 0, value, Number.NaN, LEARNING);
    const z = deviation > 0 ? (value - mean) / deviation : value === mean ? 0 : Math.sign(value - mean) * Infinity;
    const score = directed(z, this.spec.direction) / this.spec.threshold;
    const limit = mean + Math.sign(z || 1) * this.spec.threshold * deviation;
    return setVerdict(this.verdict, score > 1, Math.max(0, score), value, limit, z >= 0 ? 'above' : 'below');
  }

  tick() {
    return undefined;
  }
}

/** `window:` of zscore and mad: by count, by time, or both. */
export const windowBounds = z
  .strictObject({
    readings: count().optional().describe('The latest this many readings.'),
    duration: duration().optional().describe('Readings of the last this long.'),
  })
  .refine((bounds) => bounds.readings !== undefined || bounds.duration !== undefined, 'give readings, duration or both');

export const zscore = defineDetector({
  name: 'zscore',
  description: "rolling z-score: distance from the window's mean in standard deviations",
  schema: z.strictObject({
    threshold: number().positive().default(3).describe('The z-score that fires.'),
    window: windowBounds.prefault({ readings: 100 }).describe('The readings the mean and deviation are taken over: { readings: 100 }, { duration: 1h } or both.'),
    min_readings: count().default(10).describe('No verdict before this many readings.'),
    direction: direction(),
  }),
  create: (spec: ZScoreSpec) => new ZScoreDetector(spec),
});
