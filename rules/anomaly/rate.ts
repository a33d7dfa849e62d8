import { type Detector, IGNORED, newVerdict, setVerdict } from './detector.js';
import { RollingWindow } from './rolling-window.js';
import { z } from 'zod';
import { duration } from '../option-types.js';
import { defineDetector, number } from './detector-definition.js';

/**
 * Rate of change over a span: (newest − oldest reading within `span`) / elapsed time, per second or per minute.
 * Over a span rather than between neighbours, so one noisy reading does not look like a fast rise.
 */
export interface RateSpec {
  /** Fires when the rate is above this (units per `per`); e.g. 2 for "rises faster than 2 °C/min". */
  readonly above?: number;
  /** Fires when the rate is below this; e.g. -2 for "falls faster than 2 °C/min". */
  readonly below?: number;
  readonly per: 'second' | 'minute';
  /** The span in ms the rate is measured over. */
  readonly span: number;
}

export class RateDetector implements Detector {
  readonly kind = 'rate';
  private readonly verdict = newVerdict();
  private readonly window: RollingWindow;
  private readonly unitMs: number;

  constructor(private readonly spec: RateSpec) {
    if (spec.above === undefined && spec.below === undefined) throw new Error('rate: give above, below or both');
    if (!(spec.span > 0)) throw new Error(`rate: span must be positive, got ${spec.span} ms`);
    this.unitMs = spec.per === 'second' ? 1_000 : 60_000;
    this.window = new RollingWindow({ duration: spec.span });
  }

  clockStepped(stepMs: number): void {
    this.window.shiftTimes(stepMs);
  }

  update(timestamp: number, value: number) {
    if (!Number.isFinite(value)) return setVerdict(this.verdict, false, 0, value, Number.NaN, IGNORED);
    this.window.push(timestamp, value);
    const elapsed = timestamp - this.window.timeAt(0);
    if (this.window.size < 2 || elapsed <= 0) return setVerdict(this.verdict, false, 0, value, Number.NaN, 'normal');
    const rate = ((value - this.window.valueAt(0)) / elapsed) * this.unitMs;
    const { above, below } = this.spec;
    if (above !== undefined && rate > above) return setVerdict(this.verdict, true, rate / (above || 1), rate, above, 'rising');
    if (below !== undefined && rate < below) return setVerdict(this.verdict, true, rate / (below || -1), rate, below, 'falling');
    return setVerdict(this.verdict, false, 0, rate, above ?? below!, 'normal');
  }

  tick() {
    return undefined;
  }
}

export const rate = defineDetector({
  name: 'rate',
  description: 'rate of change over a span: (newest − oldest reading within `span`) / elapsed',
  schema: z.strictObject({
    above: number().optional().describe('Fires when rising faster than this, in units per `per`.'),
    below: number().optional().describe('Fires when the rate is below this (e.g. -2: falling faster than 2 per `per`).'),
    per: z.enum(['second', 'minute']).default('minute').describe('The time unit of above and below.'),
    span: duration().prefault('5m').describe('The span the rate is measured over.'),
  }),
  create: (spec: RateSpec) => new RateDetector(spec),
});
