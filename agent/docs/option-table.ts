import { z } from 'zod';
import { docsNotes } from '../../rules/option-types.js';
import { defOf, type SchemaDef, unwrap } from '../../rules/zod-schema-def.js';

/**
 * A Markdown table of a schema's options, from the schema itself: key, default and the `.describe()` text, so the
 * docs say what the code does (Telegraf's README includer is the model). Mappings of options (`http: { … }`) are
 * listed key by key (`http.listen`).
 */
export function optionTable(
  schema: z.ZodType,
  header: readonly [string, string, string] = ['Option', 'Default', 'Meaning'],
  select: OptionSelection = {},
): string {
  const union = unwrap(schema);
  if (union && defOf(union).type === 'union' && discriminatorOf(union) !== undefined) return variantTable(union, header, select);
  const rows = optionRows(schema, '').filter((row) => selected(row.key, select));
  const lines = [`| ${header.join(' | ')} |`, '| --- | --- | --- |'];
  for (const row of rows) lines.push(`| \`${row.key}\` | ${row.default} | ${cell(row.meaning)} |`);
  return lines.join('\n');
}

/** Which options a table lists, by their top-level key: e.g. an MQTT source's own options apart from the connection's. */
export interface OptionSelection {
  readonly only?: readonly string[];
  readonly omit?: readonly string[];
}

function selected(key: string, select: OptionSelection): boolean {
  const top = key.split('.')[0]!;
  return (select.only === undefined || select.only.includes(top)) && !select.omit?.includes(top);
}

/**
 * The schema of an option inside another, by its keys: `fieldOf(modbusOptions, 'registers')` is one entry of the
 * `registers` list, for a table of its own.
 */
export function fieldOf(schema: z.ZodType, ...keys: readonly string[]): z.ZodType {
  let current = schema;
  for (const key of keys) {
    const field = defOf(unwrap(current)!).shape?.[key];
    if (!field) throw new Error(`the schema has no option ${key}`);
    current = field;
    const inner = unwrap(current)!;
    if (defOf(inner).type === 'array') current = defOf(inner).element!;
  }
  return current;
}

/**
 * The options of a union chosen by one key (`mode: state | counter`, `api: v1 | v2`): one row per option, with a
 * column that says for which choices it applies, and each choice's default or text where they differ.
 */
function variantTable(union: z.ZodType, header: readonly [string, string, string], select: OptionSelection): string {
  const discriminator = discriminatorOf(union)!;
  const merged = new Map<string, Map<string, OptionRow>>();
  const choices: string[] = [];
  for (const variant of defOf(union).options ?? []) {
    const literal = unwrap(defOf(unwrap(variant)!).shape![discriminator]);
    const choice = String(defOf(literal!).values![0]);
    choices.push(choice);
    for (const row of optionRows(variant, '')) {
      if (!selected(row.key, select)) continue;
      if (!merged.has(row.key)) merged.set(row.key, new Map());
      merged.get(row.key)!.set(choice, row);
    }
  }
  const lines = [`| ${header[0]} | \`${discriminator}\` | ${header[1]} | ${header[2]} |`, '| --- | --- | --- | --- |'];
  // The options every choice has first, then each choice's own.
  const ordered = [...merged].sort(([, a], [, b]) => Number(b.size === choices.length) - Number(a.size === choices.length));
  for (const [key, byChoice] of ordered) {
    const rows = [...byChoice.entries()];
    const isDiscriminator = key === discriminator;
    const applies = isDiscriminator || rows.length === choices.length ? 'all' : rows.map(([choice]) => `\`${choice}\``).join(', ');
    const defaults = new Set(rows.map(([, row]) => row.default));
    const meanings = new Set(rows.map(([, row]) => row.meaning));
    // The choice with a default is the one taken when the key is left out.
    const defaultCell = isDiscriminator
      ? (rows.find(([, row]) => row.default !== '—')?.[1].default ?? '—')
      : defaults.size === 1
        ? rows[0]![1].default
        : rows.map(([choice, row]) => `${row.default} (${choice})`).join(', ');
    const meaning = isDiscriminator
      ? [...meanings].join([...meanings].every((text) => text.endsWith('.')) ? ' ' : ', ')
      : meanings.size === 1
        ? rows[0]![1].meaning
        : rows.map(([choice, row]) => `${choice}: ${row.meaning}`).join(' ');
    lines.push(`| \`${key}\` | ${applies} | ${defaultCell} | ${cell(meaning)} |`);
  }
  return lines.join('\n');
}

function discriminatorOf(schema: z.ZodType): string | undefined {
  return (defOf(schema) as { discriminator?: string }).discriminator;
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
    // An option the code fills in later (the detectors' tuning) says its default in its metadata, as the JSON Schema shows it.
    const declared = z.globalRegistry.get(current)?.default;
    if (declared !== undefined) return `\`${yamlFlow(declared)}\``;
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
export function yamlFlow(value: unknown): string {
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
