import { z } from 'zod';
import type { Detector } from './detector.js';

/**
 * One kind of detector, registered once (rules/anomaly/detectors.ts): its YAML name under `alert:`, a line for the
 * docs, the zod schema of its options (validation, defaults, `.describe()` texts for the JSON Schema and the docs'
 * option tables) and a factory from the parsed options. Checks across options ("give above, below or both") live in
 * the detector's constructor only: the config check builds a detector, so they are said once.
 */
export interface DetectorDefinition<Name extends string = string, Spec = never> {
  readonly name: Name;
  readonly description: string;
  readonly schema: z.ZodType;
  create(spec: Spec): Detector;
}

export function defineDetector<const Name extends string, Spec>(definition: DetectorDefinition<Name, Spec>): DetectorDefinition<Name, Spec> {
  return definition;
}

/** A number option of a detector. */
export const number = () => z.number({ error: 'expected a number' });

/** A count option of a detector (readings, warm-up). */
export const count = () => z.number({ error: 'expected a whole number' }).int('expected a whole number').positive('must be at least 1');

/** Which side of the normal a two-sided detector watches. */
export const direction = () =>
  z.enum(['both', 'above', 'below']).default('both').describe('Which side fires: both, above (high values only) or below (low only).');
