import { z } from 'zod';
import { duration } from './option-types.js';

/** What becomes of a reading whose own timestamp is too far from the agent's clock. */
export const SKEW_ACTIONS = ['replace', 'keep', 'drop'] as const;
export type SkewAction = (typeof SKEW_ACTIONS)[number];

const POSITIVE_DURATION = 'expected a duration above 0s';

const skewAction = () =>
  z
    .enum(SKEW_ACTIONS)
    .describe('Beyond the tolerance: replace (stamp with the arrival time), keep (the source\'s time, counted) or drop (the reading).');
const maxSkew = () =>
  duration()
    .refine((ms) => ms > 0, { error: POSITIVE_DURATION })
    .describe("How far a source's own timestamp may differ from the agent's clock at arrival, ahead or behind.");
const maxBehind = () =>
  duration()
    .refine((ms) => ms > 0, { error: POSITIVE_DURATION })
    .describe('How far it may be behind (older), when that differs from max_skew: devices that deliver late (store and forward).');

/**
 * `time.source_timestamps`: the check of timestamps that readings carry themselves (an MQTT `timestamp_field`, a
 * serial JSON `timestamp_field`), for every source that does not say otherwise.
 */
export function sourceTimestampDefaults() {
  return z
    .strictObject({
      max_skew: maxSkew().prefault('5m'),
      max_behind: maxBehind().optional(),
      on_skew: skewAction().default('replace'),
    })
    .prefault({});
}

/** A source's `timestamps:`; each key given wins over `time.source_timestamps`, the others come from there. */
export function sourceTimestampOverrides() {
  return z
    .strictObject({
      max_skew: maxSkew().optional(),
      max_behind: maxBehind().optional(),
      on_skew: skewAction().optional(),
    })
    .optional()
    .describe('Check of the timestamps this source\'s input carries against the local clock; default: time.source_timestamps.');
}

export type SourceTimestampDefaults = z.output<ReturnType<typeof sourceTimestampDefaults>>;
export type SourceTimestampOverrides = z.output<ReturnType<typeof sourceTimestampOverrides>>;
