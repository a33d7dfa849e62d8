import type { z } from 'zod';
import { docsNotes } from '../../rules/option-types.js';
import { defOf, type SchemaDef, unwrap } from '../../rules/zod-schema-def.js';

/**
 * A Markdown table of a schema's options, from the schema itself: key, default and the `.describe()` text, so the
 * docs say what the code does (Telegraf's README includer is the model). Mappings of options (`http: { … }`) are
 * listed key by key (`http.listen`).
 */
export function optionTable(schema: z.ZodType, header: readonly [string, string, string] = ['Option', 'Default', 'Meaning']): string {
  const rows = optionRows(schema, '');
  const lines = [`| ${header.join(' | ')} |`, '| --- | --- | --- |'];
  for (const row of rows) lines.push(`| \`${row.key}\` | ${row.default} | ${cell(row.meaning)} |`);
  return lines.join('\n');
}

/** A table of plain rows, e.g. the drivers of a registry and their docs lines. */
export function plainTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${' --- |'.repeat(header.length)}`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
}

interface OptionRow {
  readonly key: string;
  readonly default: string;
  readonly meaning: string;
}


function optionRows(schema: z.ZodType, prefix: string): OptionRow[] {
  const object = unwrap(schema);
  const shape = object ? defOf(object).shape : undefined;
  if (!shape) return [];
  return Object.entries(shape).flatMap(([name, option]) => {
    const key = `${prefix}${name}`;
    const inner = unwrap(option)!;
    const innerDef = defOf(inner);
    // A section without a text of its own (`http`), or noted so (`source_timestamps`): its keys are the rows. A
    // described mapping (`basic_auth: { username, password }`, `follows`) is one row.
    if (innerDef.type === 'object' && (descriptionOf(option) === undefined || noteOf(option)?.keyByKey)) return optionRows(inner, `${key}.`);
    return [{ key, default: defaultOf(option), meaning: descriptionOf(option) ?? choicesOf(innerDef) ?? '' }];
  });
}

/** Strips wrappers (optional, default, prefault, nullable, pipe) down to the schema that says what the value is. */

/** The first `.describe()` text from the outside in: it may sit on a wrapper or on the value's own schema. */
function descriptionOf(schema: z.ZodType): string | undefined {
  let current: z.ZodType | undefined = schema;
  while (current) {
    const description = (current as { description?: string }).description;
    if (description !== undefined) return description;
    const def = defOf(current);
    current = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  }
  return undefined;
}

/** The docs note of an option, on it or on a wrapper inside. */
function noteOf(schema: z.ZodType): { readonly default?: string; readonly keyByKey?: boolean } | undefined {
  let current: z.ZodType | undefined = schema;
  while (current) {
    const note = docsNotes.get(current);
    if (note) return note;
    const def = defOf(current);
    current = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  }
  return undefined;
}

function defaultOf(schema: z.ZodType): string {
  const note = noteOf(schema)?.default;
  if (note !== undefined) return note;
  let current: z.ZodType | undefined = schema;
  while (current) {
    const def = defOf(current);
    if (def.type === 'default' || def.type === 'prefault') return `\`${yamlFlow(def.defaultValue)}\``;
    if (def.type === 'literal') return '—';
    current = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  }
  return '—';
}

/** For an option without a text: what it may be (`driver: onewire`, an enum's values). */
function choicesOf(def: SchemaDef): string | undefined {
  if (def.type === 'literal' && def.values) return def.values.map((value) => `\`${String(value)}\``).join(', ');
  if (def.type === 'enum' && def.entries) return `${Object.values(def.entries).map((value) => `\`${String(value)}\``).join(', ')}`;
  return undefined;
}

/** A value as YAML's flow style writes it: `[/]`, `{}`, `{ a: 1 }`, `10s`. */
function yamlFlow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(yamlFlow).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([key, inner]) => `${key}: ${yamlFlow(inner)}`).join(', ')} }`;
  }
  return String(value);
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
