import { type Detector, IGNORED, newVerdict, setVerdict } from './detector.js';
import { z } from 'zod';
import { defineDetector, number } from './detector-definition.js';

/**
 * A static threshold with hysteresis: fires above `above` (or below `below`) and clears only once the value is back
 * past the clear level, so a reading that wobbles around the limit does not toggle the alert.
 */
export interface ThresholdSpec {
  readonly above?: number;
  /** Clears once the value is below this; defaults to `above`. Must be at most `above`. */
  readonly clear_below?: number;
  readonly below?: number;
  /** Clears once the value is above this; defaults to `below`. Must be at least `below`. */
  readonly clear_above?: number;
}

export function checkThresholdSpec(spec: ThresholdSpec): void {
  if (spec.above === undefined && spec.below === undefined) throw new Error('threshold: give above, below or both');
  if (spec.above !== undefined && spec.clear_below !== undefined && spec.clear_below > spec.above) {
    throw new Error(`threshold: clear_below (${spec.clear_below}) must be at most above (${spec.above})`);
  }
  if (spec.below !== undefined && spec.clear_above !== undefined && spec.clear_above < spec.below) {
    throw new Error(`threshold: clear_above (${spec.clear_above}) must be at least below (${spec.below})`);
  }
  if (spec.clear_below !== undefined && spec.above === undefined) throw new Error('threshold: clear_below needs above');
  if (spec.clear_above !== undefined && spec.below === undefined) throw new Error('threshold: clear_above needs below');
}

export class ThresholdDetector implements Detector {
  readonly kind = 'threshold';
  private readonly verdict = newVerdict();
  private high = false;
  private low = false;

  constructor(private readonly spec: ThresholdSpec) {
    checkThresholdSpec(spec);
  }

  update(_timestamp: number, value: number) {
    if (!Number.isFinite(value)) return setVerdict(this.verdict, false, 0, value, Number.NaN, IGNORED);
    const { above, below } = this.spec;
    if (above !== undefined) this.high = this.high ? value >= (this.spec.clear_below ?? above) : value > above;
    if (below !== undefined) this.low = this.low ? value <= (this.spec.clear_above ?? below) : value < below;
    if (this.high) return setVerdict(this.verdict, true, value / (above! || 1), value, above!, 'above');
    if (this.low) return setVerdict(this.verdict, true, (below! || 1) / (value || 1), value, below!, 'below');
    return setVerdict(this.verdict, false, 0, value, above ?? below!, 'normal');
  }

  tick() {
    return undefined;
  }
}

export const threshold = defineDetector({
  name: 'threshold',
  description: 'static limits with hysteresis: fires above `above` or below `below`, clears past `clear_below`/`clear_above`',
  schema: z.strictObject({
    above: number().optional().describe('Fires above this.'),
    clear_below: number().optional().describe('Clears below this (default: above).'),
    below: number().optional().describe('Fires below this.'),
    clear_above: number().optional().describe('Clears above this (default: below).'),
  }),
  create: (spec: ThresholdSpec) => new ThresholdDetector(spec),
});
