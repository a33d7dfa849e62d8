import { type Detector, newVerdict, setVerdict } from './detector.js';
import { z } from 'zod';
import { duration } from '../option-types.js';
import { defineDetector } from './detector-definition.js';

/**
 * Missing data (a deadman switch): no reading for `after` ms. Absence produces no reading, so this detector only
 * answers through `tick(now)`; a reading clears it.
 */
export interface MissingSpec {
  /** Silence in ms after which the sensor counts as missing. */
  readonly after: number;
}

export class MissingDetector implements Detector {
  readonly kind = 'missing';
  private readonly verdict = newVerdict();
  private lastSeen = Number.NaN;

  constructor(private readonly spec: MissingSpec) {
    if (!(spec.after > 0)) throw new Error(`missing: after must be positive, got ${spec.after} ms`);
  }

  update(timestamp: number, value: number) {
    this.lastSeen = timestamp;
    return setVerdict(this.verdict, false, 0, value, this.spec.after, 'normal');
  }

  clockStepped(stepMs: number): void {
    this.lastSeen += stepMs;
  }

  missingAt(): number {
    return this.lastSeen + this.spec.after;
  }

  /** Active once `now` is more than `after` past the last reading; undefined before the first reading. */
  tick(now: number) {
    if (Number.isNaN(this.lastSeen)) return undefined;
    const silence = now - this.lastSeen;
    const active = silence > this.spec.after;
    const reason = active ? 'missing' : 'normal';
    return setVerdict(this.verdict, active, silence / this.spec.after, Number.NaN, this.spec.after, reason);
  }
}

export const missing = defineDetector({
  name: 'missing',
  description: 'no data (deadman): fires when the last reading is older than `after`',
  schema: z.strictObject({ after: duration().describe('Silence after which the sensor counts as missing.') }),
  create: (spec: MissingSpec) => new MissingDetector(spec),
});
