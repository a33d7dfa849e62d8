import { z } from 'zod';

// The rules' option schemas use the same durations; the one definition lives with them (rules/ imports nothing from here).
export { duration } from '../rules/option-types.js';

/** One name or a list of names, always a list once parsed. */
export function nameList() {
  return z.union([z.string(), z.array(z.string())]).transform((value) => (typeof value === 'string' ? [value] : value));
}

/** A port number. */
export const port = () => z.number().int().min(1).max(65_535);
