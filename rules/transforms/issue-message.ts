import type { z } from 'zod';
import { didYouMeanSuffix } from '../did-you-mean.js';

/**
 * Turns zod's issues about one step's options into sentences a user can act on:
 * `window_size: must be at least 1, got 0`, `unknown option "mni" (did you mean "min"?); allowed: min, max …`.
 * `schema` is what was validated, to name the allowed keys and to follow the branch of a union the user meant.
 */
export function explainIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, prefix: readonly PropertyKey[] = []): string[] {
  const out: string[] = [];
  for (const issue of issues) explain(issue, schema, prefix, out);
  return out;
}

function explain(issue: z.core.$ZodIssue, schema: z.ZodType, prefix: readonly PropertyKey[], out: string[]): void {
  const path = [...prefix, ...issue.path];
  const at = path.length > 0 ? `${formatPath(path)}: ` : '';
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
      if (only && branchSchema) {
        for (const inner of only.branch) explain(inner, branchSchema, path, out);
        return;
      }
      out.push(`${at}${isDefault(issue.message) ? 'has the wrong form' : issue.message}${got(issue.input)}`);
      return;
    }
    case 'unrecognized_keys': {
      const known = knownKeys(schemaAt(schema, issue.path));
      for (const key of issue.keys) {
        const allowed = known.length > 0 ? `; allowed: ${known.join(', ')}` : '';
        out.push(`${at}unknown option "${key}"${didYouMeanSuffix(key, known)}${allowed}`);
      }
      return;
    }
    case 'invalid_type': {
      const message = isDefault(issue.message) ? `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}` : issue.message;
      out.push(`${at}${message}${got(issue.input)}`);
      return;
    }
    case 'too_small':
    case 'too_big': {
      if (!isDefault(issue.message)) {
        out.push(`${at}${issue.message}${issue.origin === 'array' ? '' : got(issue.input)}`);
        return;
      }
      const small = issue.code === 'too_small';
      const bound = small ? issue.minimum : issue.maximum;
      if (issue.origin === 'array') out.push(`${at}needs ${small ? 'at least' : 'at most'} ${bound} item(s)`);
      else if (issue.origin === 'string') out.push(`${at}${small ? 'must not be empty' : `must be at most ${bound} characters`}`);
      else {
        const word = small ? (issue.inclusive ? 'at least' : 'greater than') : issue.inclusive ? 'at most' : 'less than';
        out.push(`${at}must be ${word} ${bound}${got(issue.input)}`);
      }
      return;
    }
    case 'invalid_value': {
      if (!isDefault(issue.message)) {
        out.push(`${at}${issue.message}${got(issue.input)}`);
        return;
      }
      const allowed = issue.values.map((value) => JSON.stringify(value));
      const suggestion = typeof issue.input === 'string' ? didYouMeanSuffix(issue.input, issue.values.map(String)) : '';
      out.push(`${at}${describeInput(issue.input)} is not allowed${suggestion}; use ${allowed.join(' or ')}`);
      return;
    }
    default:
      out.push(`${at}${isDefault(issue.message) ? 'has the wrong form' : issue.message}`);
  }
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping of options',
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

function got(input: unknown): string {
  return input === undefined ? '' : `, got ${describeInput(input)}`;
}

/** What the user wrote, in words. */
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

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** Strips wrappers (optional, default, nullable, pipe …) down to the schema that says what the value is. */
function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (current) {
    const def = defOf(current);
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
  return current;
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

/** The keys a mapping there may have (of the mapping branch, for a union such as `60s` or `{ period: 60s }`). */
function knownKeys(schema: z.ZodType | undefined): string[] {
  const current = unwrap(schema);
  if (!current) return [];
  const def = defOf(current);
  if (def.type === 'union' && def.options) return [...new Set(def.options.flatMap(knownKeys))];
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}
