import { Baseline } from './baseline.js';
import { type Detector, IGNORED, LEARNING, newVerdict, setVerdict } from './detector.js';
import { z } from 'zod';
import { count, defineDetector, number } from './detector-definition.js';

/**
 * EWMA control chart (Roberts 1959): z = λ·x + (1−λ)·z, alarm when z leaves mean ± L·σ·√(λ/(2−λ)). Averaging makes
 * it sensitive to small sustained shifts that a per-reading limit would miss.
 */
export interface EwmaSpec {
  /** Weight of the newest reading, 0..1: small catches slow drifts, large reacts fast. */
  readonly lambda: number;
  /** Width of the control limits in (asymptotic) standard deviations of the average. */
  readonly limit: number;
  /** Readings to learn the in-control mean and spread from before judging. */
  readonly warmup: number;
  /** How fast the baseline follows while in control, per reading; 0 keeps the warm-up baseline. */
  readonly baseline_alpha: number;
}

export class EwmaDetector implements Detector {
  readonly kind = 'ewma';
  private readonly verdict = newVerdict();
  private readonly baseline: Baseline;
  private average = Number.NaN;
  private readonly widthFactor: number;

  constructor(private readonly spec: EwmaSpec) {
    if (!(spec.lambda > 0 && spec.lambda <= 1)) throw new Error(`ewma: lambda must be in (0, 1], got ${spec.lambda}`);
    if (!(spec.limit > 0)) throw new Error(`ewma: limit must be positive, got ${spec.limit}`);
    this.baseline = new Baseline(spec.warmup, spec.baseline_alpha);
    this.widthFactor = spec.limit * Math.sqrt(spec.lambda / (2 - spec.lambda));
  }

  update(_timestamp: number, value: number) {
    if (!Number.isFinite(value)) return setVerdict(this.verdict, false, 0, value, Number.NaN, IGNORED);
    if (!this.baseline.ready) {
      this.baseline.learn(value);
      this.average = this.baseline.mean;
      return setVerdict(this.verdict, false, 0, value, Number.NaN, LEARNING);
    }
    this.average = this.spec.lambda * value + (1 - this.spec.lambda) * this.average;
    const mean = this.baseline.mean;
    const halfWidth = this.widthFactor * this.baseline.standardDeviation;
    const offset = this.average - mean;
    const score = halfWidth > 0 ? Math.abs(offset) / halfWidth : offset === 0 ? 0 : Infinity;
    const active = score > 1;
    if (!active) this.baseline.learn(value);
    const limit = mean + Math.sign(offset || 1) * halfWidth;
    return setVerdict(this.verdict, active, score, this.average, limit, offset >= 0 ? 'drifting up' : 'drifting down');
  }

  tick() {
    return undefined;
  }
}

export const ewma = defineDetector({
  name: 'ewma',
  description: 'EWMA control chart: fires when the smoothed value leaves mean ± limit·σ·√(λ/(2−λ)); good for small sustained shifts',
  schema: z.strictObject({
    lambda: number().gt(0).max(1).default(0.2).describe('Weight of a new reading in the average (0 < λ ≤ 1).'),
    limit: number().positive().default(3).describe('Width of the control limits, in σ.'),
    warmup: count().default(30).describe('Readings that learn the mean and deviation before any verdict.'),
    baseline_alpha: number().min(0).max(1).default(0.001).describe('How fast the learnt mean and deviation follow the sensor while in control, per reading; 0 freezes them.'),
  }),
  create: (spec: EwmaSpec) => new EwmaDetector(spec),
});
