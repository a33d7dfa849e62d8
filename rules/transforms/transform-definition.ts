import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../duration.js';
import type { Transform } from './transform.js';

/**
 * One kind of step: the zod schema of its YAML value (validation, defaults, editor autocomplete) and a factory that
 * builds the step from the parsed value. Each use of a step in a rule gets its own instance, so its own state.
 */
export interface TransformDefinition {
  readonly schema: z.ZodType;
  create(options: unknown): Transform;
}

export function defineTransform<S extends z.ZodType>(
  schema: S,
  create: (options: z.output<S>) => Transform,
): TransformDefinition {
  return { schema, create: (options) => create(options as z.output<S>) };
}

const DURATION_HELP = 'expected a duration such as 500ms, 10s, 5m or 1h';

/** A period written with its unit (`500ms`, `10s`, `5m`, `1h`, `1d`), parsed to milliseconds; never zero. */
export function period() {
  return z
    .string({ error: DURATION_HELP })
    .regex(DURATION_PATTERN, { error: DURATION_HELP })
    .transform((text) => parseDuration(text)!)
    .refine((ms) => ms >= 1, { error: 'must be at least 1ms' });
}

/** A number that is not NaN or infinite. */
export function finite() {
  return z.number({ error: 'expected a number' });
}

/** A count such as `window_size` or `send_every`. */
export function count() {
  return z
    .number({ error: 'expected a whole number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(1_000_000, { error: 'must be at most 1000000' });
}
