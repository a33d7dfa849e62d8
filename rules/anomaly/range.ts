import { type Detector, newVerdict, setVerdict } from './detector.js';
import { z } from 'zod';
import { defineDetector, number } from './detector-definition.js';

/** Out of physical range: a value the sensor cannot really measure (a DS18B20's 85 °C, a negative humidity). */
export interface RangeSpec {
  readonly min?: number;
  readonly max?: number;
}

export class RangeDetector implements Detector {
  readonly kind = 'range';
  private readonly verdict = newVerdict();

  constructor(private readonly spec: RangeSpec) {
    if (spec.min === undefined && spec.max === undefined) throw new Error('range: give min, max or both');
    if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
      throw new Error(`range: min (${spec.min}) must be at most max (${spec.max})`);
    }
  }

  update(_timestamp: number, value: number) {
    const { min, max } = this.spec;
    if (Number.isNaN(value)) return setVerdict(this.verdict, true, 1, value, Number.NaN, 'not a number');
    if (max !== undefined && value > max) return setVerdict(this.verdict, true, 1, value, max, 'above range');
    if (min !== undefined && value < min) return setVerdict(this.verdict, true, 1, value, min, 'below range');
    return setVerdict(this.verdict, false, 0, value, max ?? min!, 'normal');
  }

  tick() {
    return undefined;
  }
}

export const range = defineDetector({
  name: 'range',
  description: 'out of physical range: values outside [min, max], and NaN',
  schema: z.strictObject({
    min: number().optional().describe('Fires below this.'),
    max: number().optional().describe('Fires above this.'),
  }),
  create: (spec: RangeSpec) => new RangeDetector(spec),
});
