import type { z } from 'zod';
import { didYouMeanSuffix } from '../../rules/did-you-mean.js';
import { knownKeysAt } from './schema-keys.js';
import type { YamlLocator } from './yaml-locator.js';

/** A schema issue turned into words and a place: what the user wrote, where, and what was expected. */
export interface ExplainedIssue {
  readonly path: PropertyKey[];
  readonly at: 'key' | 'value';
  readonly message: string;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping of keys',
  record: 'a mapping of names to settings',
  array: 'a list',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

/**
 * Explains one zod issue in the user's terms. `prefix` is where the validated object sits in the file
 * (a driver's options are checked on their own, under `sources.<name>`); `schema` is what was validated.
 */
export function explainIssue(
  issue: z.core.$ZodIssue,
  prefix: readonly PropertyKey[],
  schema: z.ZodType,
  locator: YamlLocator,
): ExplainedIssue[] {
  const path = [...prefix, ...issue.path];
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && !locator.has(path)) {
    return [{ path, at: 'key', message: `missing required field "${String(path[path.length - 1])}"` }];
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, issue.path);
      return issue.keys.map((key) => ({
        path: [...path, key],
        at: 'key' as const,
        message: `unknown key "${key}"${didYouMeanSuffix(key, known)}${known.length > 0 ? `; allowed here: ${known.join(', ')}` : ''}`,
      }));
    }
    case 'invalid_type': {
      if (locator.describe(path) === 'an empty value') {
        return [{ path, at: 'key', message: `"${String(path[path.length - 1])}" is empty; ${expected(issue)}` }];
      }
      return [{ path, at: 'value', message: `${expected(issue)}, got ${locator.describe(path)}` }];
    }
    case 'invalid_value': {
      const allowed = issue.values.map((value) => JSON.stringify(value));
      const written = locator.describe(path);
      const suffix = typeof issue.input === 'string' ? didYouMeanSuffix(issue.input, issue.values.map(String)) : '';
      return [{ path, at: 'value', message: `${written} is not allowed${suffix}; use one of ${allowed.join(', ')}` }];
    }
    case 'invalid_union':
      return [{ path, at: 'value', message: `${locator.describe(path)} has the wrong shape: ${issue.message}` }];
    case 'invalid_key':
      return [{ path, at: 'key', message: `invalid name "${String(path[path.length - 1])}": ${issue.issues[0]?.message ?? issue.message}` }];
    case 'too_small':
      return [{ path, at: 'value', message: issue.origin === 'array' ? `needs at least ${issue.minimum} item(s)` : `must be at least ${issue.minimum}, got ${locator.describe(path)}` }];
    case 'too_big':
      return [{ path, at: 'value', message: issue.origin === 'array' ? `allows at most ${issue.maximum} item(s)` : `must be at most ${issue.maximum}, got ${locator.describe(path)}` }];
    case 'custom':
      // Our own checks word their messages completely.
      if (!locator.has(path)) return [{ path, at: 'key', message: issue.message }];
      return [{ path, at: 'value', message: issue.message.startsWith('expected') ? `${issue.message}, got ${locator.describe(path)}` : issue.message }];
    default:
      return [{ path, at: 'value', message: `${issue.message}, got ${locator.describe(path)}` }];
  }
}

function expected(issue: z.core.$ZodIssueInvalidType): string {
  if (!issue.message.startsWith('Invalid input')) return issue.message;
  return `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
}
