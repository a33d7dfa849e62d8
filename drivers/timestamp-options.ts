import { z } from 'zod';
import { docsNotes } from '../rules/option-types.js';
import { duration } from './option-types.js';

/** What becomes of a reading whose own timestamp is too far from the agent's clock. */
export const SKEW_ACTIONS = ['replace', 'keep', 'drop'] as const;
export type SkewAction = (typeof SKEW_ACTIONS)[number];

const POSITIVE_DURATION = 'expected a duration above 0s';

const skewAction = () =>
  z
    .enum(SKEW_ACTIONS)
    .describe('Beyond the tolerance: `replace` (stamp the reading with its arrival time), `keep` (its own time, counted and logged) or `drop` (the reading).');
const maxSkew = () =>
  duration()
    .refine((ms) => ms > 0, { error: POSITIVE_DURATION })
    .describe('How far a time a reading carries itself may be from the agent\'s clock when it arrives, ahead or behind.');
const maxBehind = () =>
  duration()
    .refine((ms) => ms > 0, { error: POSITIVE_DURATION })
    .describe('A different tolerance for times behind (older), by default `max_skew`: for devices that deliver late, storing readings while offline.');

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
    .describe(
      '`max_skew`, `max_behind`, `on_skew`: how the times this source\'s input carries are checked against the local clock; each key left out comes from `time.source_timestamps`.',
    )
    .register(docsNotes, { default: '`time.source_timestamps`' });
}

export type SourceTimestampDefaults = z.output<ReturnType<typeof sourceTimestampDefaults>>;
export type SourceTimestampOverrides = z.output<ReturnType<typeof sourceTimestampOverrides>>;
