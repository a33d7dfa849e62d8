import type { z } from 'zod';
import { defOf, unwrap } from './zod-schema-def.js';
import { didYouMeanSuffix } from './did-you-mean.js';

/**
 * Turns zod's issues into sentences a user can act on, for the config file (`agent.data_dri: unknown key …`, placed
 * at file:line:column by the caller) and for a transform step's options (`median.window_size: must be at least 1,
 * got 0`). One explainer: the two differ only in their words, which `IssueWords` holds.
 */

/** A schema issue turned into words and a place: what the user wrote, where, and what was expected. */
export interface ExplainedIssue {
  readonly path: PropertyKey[];
  /** Whether the problem is with the key (unknown, missing, empty) or with the value written there. */
  readonly at: 'key' | 'value';
  readonly message: string;
}

/** Where the validated input came from: what was written at a path, in words, and whether anything was. */
export interface WrittenInput {
  has(path: readonly PropertyKey[]): boolean;
  /** `the number 5`, `the text "fast"`, `a list`, `an empty value`. */
  describe(path: readonly PropertyKey[]): string;
}

/** The words of one setting: config keys, or a step's options. */
export interface IssueWords {
  /** `key` (of the config file) or `option` (of a step). */
  readonly noun: 'key' | 'option';
  /** Lead-in of the list of known keys: `allowed here` or `allowed`. */
  readonly allowed: string;
  /** The allowed values of an enum: `use one of "a", "b"` or `use "a" or "b"`. */
  choices(values: readonly string[]): string;
  /** A mapping as the expected type: `a mapping of keys` or `a mapping of options`. */
  readonly mapping: string;
}

export const CONFIG_WORDS: IssueWords = {
  noun: 'key',
  allowed: 'allowed here',
  choices: (values) => `use one of ${values.join(', ')}`,
  mapping: 'a mapping of keys',
};

export const OPTION_WORDS: IssueWords = {
  noun: 'option',
  allowed: 'allowed',
  choices: (values) => `use ${values.join(' or ')}`,
  mapping: 'a mapping of options',
};

export interface ExplainContext {
  /** What was validated: to name the allowed keys and to follow the branch of a union the user meant. */
  readonly schema: z.ZodType;
  /** Where the validated object sits (a driver's options under `sources.<name>`; a step under its name). */
  readonly prefix?: readonly PropertyKey[];
  readonly words: IssueWords;
  /** The file the input came from; without it (a step's options) what was written is described from the issue. */
  readonly written?: WrittenInput;
}

/** Explains one zod issue in the user's terms; a union the user meant one branch of is explained by that branch. */
export function explainIssue(issue: z.core.$ZodIssue, context: ExplainContext): ExplainedIssue[] {
  const out: ExplainedIssue[] = [];
  explain(issue, context.schema, context.prefix ?? [], context, out);
  return out;
}

/** A step's options: `path: message` lines, the path led by `prefix` (the step's name). */
export function explainIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, prefix: readonly PropertyKey[] = []): string[] {
  return issues.flatMap((issue) => explainIssue(issue, { schema, prefix, words: OPTION_WORDS })).map(({ path, message }) =>
    path.length > 0 ? `${formatPath(path)}: ${message}` : message,
  );
}

function explain(issue: z.core.$ZodIssue, schema: z.ZodType, prefix: readonly PropertyKey[], context: ExplainContext, out: ExplainedIssue[]): void {
  const { words, written } = context;
  const path = [...prefix, ...issue.path];
  const push = (at: 'key' | 'value', message: string, where: PropertyKey[] = path) => out.push({ path: where, at, message });
  /** What the user wrote there, in words, after ", got " (nothing when the input is not known). */
  const got = (input: unknown) => (written ? `, got ${written.describe(path)}` : input === undefined ? '' : `, got ${describeInput(input)}`);
  const writtenHere = () => (written ? written.describe(path) : describeInput(issue.input));

  if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && written && !written.has(path)) {
    push('key', `missing required field "${String(path[path.length - 1])}"`);
    return;
  }
  switch (issue.code) {
    case 'invalid_union': {
      // Follow the one branch whose outer type matched what the user wrote (a mapping, or text …): its issues say
      // precisely what is wrong, where the union's own message could only list the shapes.
      const typeMatched = issue.errors
        .map((branch, index) => ({ branch, index }))
        .filter(({ branch }) => !branch.some((inner) => inner.path.length === 0 && inner.code === 'invalid_type'));
      const union = unwrap(schemaAt(schema, issue.path));
      const options = union ? defOf(union).options : undefined;
      const only = typeMatched.length === 1 ? typeMatched[0] : undefined;
      const branchSchema = only ? options?.[only.index] : undefined;
      if (only && branchSchema && !written) {
        for (const inner of only.branch) explain(inner, branchSchema, path, context, out);
        return;
      }
      if (written) push('value', `${written.describe(path)} has the wrong shape: ${issue.message}`);
      else push('value', `${isDefault(issue.message) ? 'has the wrong form' : issue.message}${got(issue.input)}`);
      return;
    }
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const allowed = known.length > 0 ? `; ${words.allowed}: ${known.join(', ')}` : '';
        // In the file the key itself is marked; a step's message names the step, whose options these are.
        push('key', `unknown ${words.noun} "${key}"${didYouMeanSuffix(key, known)}${allowed}`, written ? [...path, key] : path);
      }
      return;
    }
    case 'invalid_type': {
      const typeWords: Record<string, string> = { ...TYPE_WORDS, object: words.mapping };
      const expected = isDefault(issue.message) ? `expected ${typeWords[issue.expected] ?? issue.expected}` : issue.message;
      if (written?.describe(path) === 'an empty value') push('key', `"${String(path[path.length - 1])}" is empty; ${expected}`);
      else push('value', `${expected}${got(issue.input)}`);
      return;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = small ? issue.minimum : issue.maximum;
      if (written) {
        // In the file the bound is said plainly, whatever the schema's own message.
        if (issue.origin === 'array') push('value', small ? `needs at least ${bound} item(s)` : `allows at most ${bound} item(s)`);
        else push('value', `must be ${small ? 'at least' : 'at most'} ${bound}${got(issue.input)}`);
      } else if (!isDefault(issue.message)) {
        push('value', `${issue.message}${issue.origin === 'array' ? '' : got(issue.input)}`);
      } else if (issue.origin === 'array') {
        push('value', `needs ${small ? 'at least' : 'at most'} ${bound} item(s)`);
      } else if (issue.origin === 'string') {
        push('value', small ? 'must not be empty' : `must be at most ${bound} characters`);
      } else {
        const word = small ? (issue.inclusive ? 'at least' : 'greater than') : issue.inclusive ? 'at most' : 'less than';
        push('value', `must be ${word} ${bound}${got(issue.input)}`);
      }
      return;
    }
    case 'invalid_value': {
      if (!isDefault(issue.message) && !written) {
        push('value', `${issue.message}${got(issue.input)}`);
        return;
      }
      const allowed = issue.values.map((value) => JSON.stringify(value));
      const suggestion = typeof issue.input === 'string' ? didYouMeanSuffix(issue.input, issue.values.map(String)) : '';
      push('value', `${writtenHere()} is not allowed${suggestion}; ${words.choices(allowed)}`);
      return;
    }
    case 'invalid_key':
      push('key', `invalid name "${String(path[path.length - 1])}": ${issue.issues[0]?.message ?? issue.message}`);
      return;
    case 'custom':
      // Our own checks word their messages completely.
      if (!written) push('value', isDefault(issue.message) ? 'has the wrong form' : issue.message);
      else if (!written.has(path)) push('key', issue.message);
      else push('value', issue.message.startsWith('expected') ? `${issue.message}${got(issue.input)}` : issue.message);
      return;
    default:
      if (written) push('value', `${issue.message}${got(issue.input)}`);
      else push('value', isDefault(issue.message) ? 'has the wrong form' : issue.message);
  }
}

const TYPE_WORDS: Record<string, string> = {
  record: 'a mapping of names to settings',
  array: 'a list',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

/** zod's own messages ("Invalid input: …", "Too small: …") are replaced; messages the schemas chose are kept. */
function isDefault(message: string): boolean {
  return /^(Invalid|Too (small|big)|Unrecognized)/.test(message);
}

/** What the user wrote, in words, when there is no file to quote. */
export function describeInput(input: unknown): string {
  if (input === null || input === undefined) return 'nothing';
  if (typeof input === 'string') return JSON.stringify(input);
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  return String(input);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}


function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current = unwrap(schema);
  for (const segment of path) {
    if (!current) return undefined;
    const def = defOf(current);
    if (def.type === 'union' && def.options) {
      // zod reports a union's issues directly when only one branch had the right type: follow that branch.
      const objects = def.options.map(unwrap).filter((option) => option && defOf(option).shape?.[String(segment)]);
      current = objects[0] ? defOf(objects[0]).shape![String(segment)] : undefined;
    } else if (def.type === 'object' && def.shape) current = def.shape[String(segment)];
    else if (def.type === 'record' && def.valueType) current = def.valueType;
    else if (def.type === 'array' && def.element) current = def.element;
    else return undefined;
    current = unwrap(current);
  }
  return current;
}

/**
 * The keys a mapping at `path` inside `schema` may have, for "did you mean" hints (of the mapping branch, for a union
 * such as `60s` or `{ period: 60s }`); empty when unknown.
 */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  return knownKeys(schemaAt(schema, path));
}

function knownKeys(schema: z.ZodType | undefined): string[] {
  const current = unwrap(schema);
  if (!current) return [];
  const def = defOf(current);
  if (def.type === 'union' && def.options) return [...new Set(def.options.flatMap(knownKeys))];
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}
