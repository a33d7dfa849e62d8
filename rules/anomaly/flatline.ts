import { type Detector, IGNORED, newVerdict, setVerdict } from './detector.js';
import { z } from 'zod';
import { duration } from '../option-types.js';
import { count, defineDetector, number } from './detector-definition.js';

/**
 * A stuck sensor: readings that stay within `epsilon` of each other for `readings` readings or for `duration` ms.
 * Tracks the current run's min and max, so it is O(1) per reading.
 */
export interface FlatlineSpec {
  /** Largest spread (max − min) that still counts as "no change"; 0 means exactly equal. */
  readonly epsilon: number;
  readonly readings?: number;
  /** In ms. */
  readonly duration?: number;
}

export class FlatlineDetector implements Detector {
  readonly kind = 'flatline';
  private readonly verdict = newVerdict();
  private runStart = Number.NaN;
  private runLength = 0;
  private runMin = Number.NaN;
  private runMax = Number.NaN;

  constructor(private readonly spec: FlatlineSpec) {
    if (spec.readings === undefined && spec.duration === undefined) throw new Error('flatline: give readings, duration or both');
    if (!(spec.epsilon >= 0)) throw new Error(`flatline: epsilon must be at least 0, got ${spec.epsilon}`);
  }

  clockStepped(stepMs: number): void {
    this.runStart += stepMs;
  }

  update(timestamp: number, value: number) {
    if (!Number.isFinite(value)) return setVerdict(this.verdict, false, 0, value, Number.NaN, IGNORED);
    const min = Math.min(this.runMin, value);
    const max = Math.max(this.runMax, value);
    if (this.runLength === 0 || !(max - min <= this.spec.epsilon)) {
      this.runStart = timestamp;
      this.runLength = 1;
      this.runMin = value;
      this.runMax = value;
    } else {
      this.runLength += 1;
      this.runMin = min;
      this.runMax = max;
    }
    const { readings, duration } = this.spec;
    const byCount = readings !== undefined ? this.runLength / readings : 0;
    const byTime = duration !== undefined ? (timestamp - this.runStart) / duration : 0;
    const score = Math.max(byCount, byTime);
    return setVerdict(this.verdict, score >= 1, score, value, this.spec.epsilon, score >= 1 ? 'stuck' : 'normal');
  }

  tick() {
    return undefined;
  }
}

export const flatline = defineDetector({
  name: 'flatline',
  description: 'stuck sensor: readings within `epsilon` of each other for `readings` readings or for `duration`',
  schema: z.strictObject({
    epsilon: number().nonnegative().default(0).describe('Largest spread that still counts as no change.'),
    readings: count().optional().describe('Fires after this many readings without change.'),
    duration: duration().optional().describe('Fires after this long without change.'),
  }),
  create: (spec: FlatlineSpec) => new FlatlineDetector(spec),
});
