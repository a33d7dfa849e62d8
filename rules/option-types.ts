import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from './duration.js';

const DURATION_HELP = 'expected a duration such as 500ms, 10s, 5m or 1h';

/** A duration written with its unit (`500ms`, `10s`, `5m`, `1h`, `1d`), parsed to milliseconds. */
export function duration() {
  return z
    .string({ error: DURATION_HELP })
    .regex(DURATION_PATTERN, { error: DURATION_HELP })
    .transform((text) => parseDuration(text)!);
}

/**
 * What the generated option tables of the docs say where the schema alone cannot say it well: a default that is a
 * long list (`sensors`: "the greenhouse"), or a described section to list key by key. Kept apart from `.meta()`, so
 * the JSON Schema stays plain.
 */
export const docsNotes = z.registry<{ readonly default?: string; readonly keyByKey?: boolean }>();
