import { Baseline } from './baseline.js';
import { type Detector, IGNORED, LEARNING, newVerdict, setVerdict } from './detector.js';
import { z } from 'zod';
import { count, defineDetector, number } from './detector-definition.js';

/**
 * Two-sided tabular CUSUM (Page 1954) on standardised readings: S⁺ = max(0, S⁺ + z − k), S⁻ = max(0, S⁻ − z − k);
 * alarm while either exceeds h. Accumulating small excesses finds a change point in the mean early.
 */
export interface CusumSpec {
  /** Slack per reading in standard deviations: half the shift worth detecting (0.5 finds a 1σ shift). */
  readonly k: number;
  /** Decision interval in standard deviations (4–5 is usual). */
  readonly h: number;
  readonly warmup: number;
  /** How fast the baseline follows while in control, per reading; 0 keeps the warm-up baseline. */
  readonly baseline_alpha: number;
}

export class CusumDetector implements Detector {
  readonly kind = 'cusum';
  private readonly verdict = newVerdict();
  private readonly baseline: Baseline;
  private upper = 0;
  private lower = 0;

  constructor(private readonly spec: CusumSpec) {
    if (!(spec.k >= 0)) throw new Error(`cusum: k must be at least 0, got ${spec.k}`);
    if (!(spec.h > 0)) throw new Error(`cusum: h must be positive, got ${spec.h}`);
    this.baseline = new Baseline(spec.warmup, spec.baseline_alpha);
  }

  update(_timestamp: number, value: number) {
    if (!Number.isFinite(value)) return setVerdict(this.verdict, false, 0, value, Number.NaN, IGNORED);
    if (!this.baseline.ready) {
      this.baseline.learn(value);
      return setVerdict(this.verdict, false, 0, value, Number.NaN, LEARNING);
    }
    const sigma = this.baseline.standardDeviation;
    const offset = value - this.baseline.mean;
    const z = sigma > 0 ? offset / sigma : offset === 0 ? 0 : Math.sign(offset) * 1e6;
    this.upper = Math.max(0, this.upper + z - this.spec.k);
    this.lower = Math.max(0, this.lower - z - this.spec.k);
    const sum = Math.max(this.upper, this.lower);
    const active = sum > this.spec.h;
    if (!active) this.baseline.learn(value);
    const reason = this.upper >= this.lower ? 'shift up' : 'shift down';
    return setVerdict(this.verdict, active, sum / this.spec.h, value, this.spec.h, reason);
  }

  tick() {
    return undefined;
  }
}

export const cusum = defineDetector({
  name: 'cusum',
  description: 'two-sided tabular CUSUM on standardised readings: a change point, a level that moved',
  schema: z.strictObject({
    k: number().nonnegative().default(0.5).describe('Half the shift worth detecting, in σ.'),
    h: number().positive().default(5).describe('Decision limit: active while either sum exceeds it (4–5 is usual).'),
    warmup: count().default(30).describe('Readings that learn the mean and deviation before any verdict.'),
    baseline_alpha: number().min(0).max(1).default(0.001).describe('How fast the learnt mean and deviation follow the sensor while in control, per reading; 0 freezes them.'),
  }),
  create: (spec: CusumSpec) => new CusumDetector(spec),
});
