import type { FieldValue, FormatParser, LineProblem, LineResult } from './line-result.js';

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal number as devices print it (`21.5`, `-3`, `+.5`, `1e3`); undefined for anything else, never NaN. */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Turns named text fields into values. Empty fields are missing values and skipped silently; fields that are not
 * numbers are collected into one `serial-not-a-number` problem, and the line's other values are still kept.
 */
export function numericFields(fields: Iterable<readonly [string, string]>, ignore: ReadonlySet<string>): LineResult {
  const values: FieldValue[] = [];
  const bad: string[] = [];
  for (const [field, raw] of fields) {
    if (ignore.has(field)) continue;
    const text = raw.trim();
    if (text === '') continue;
    const value = parseDecimal(text);
    if (value === undefined) bad.push(`${field}=${JSON.stringify(text.length > 20 ? `${text.slice(0, 20)}…` : text)}`);
    else values.push({ field, value });
  }
  const problem: LineProblem | undefined =
    bad.length === 0 ? undefined : { kind: 'serial-not-a-number', message: `not a number: ${bad.join(', ')} (list text fields in ignore_fields)` };
  return { values, problem };
}

/** `number` format: the whole line is one number. */
export function numberParser(sensor: string): FormatParser {
  return {
    parse(line) {
      const value = parseDecimal(line);
      if (value === undefined) return { values: [], problem: { kind: 'serial-not-a-number', message: 'expected a number' } };
      return { values: [{ field: sensor, value }] };
    },
  };
}
