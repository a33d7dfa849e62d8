import type { FieldValue, FormatParser, LineProblem } from './line-result.js';

/**
 * `json` format: one JSON object per line. Numbers are values, booleans 1/0; nested objects are walked and their
 * names joined with `/`; strings, null and arrays are skipped, as devices mix them with measurements.
 */
export function jsonParser(timestampField: string | undefined, ignore: ReadonlySet<string>): FormatParser {
  return {
    parse(line) {
      if (!line.startsWith('{')) return { values: [], problem: { kind: 'serial-bad-json', message: 'expected a JSON object' } };
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (error) {
        return { values: [], problem: { kind: 'serial-bad-json', message: `invalid JSON: ${(error as Error).message}` } };
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return { values: [], problem: { kind: 'serial-bad-json', message: 'expected a JSON object' } };
      }
      const object = parsed as Record<string, unknown>;
      let timestamp: number | undefined;
      let problem: LineProblem | undefined;
      if (timestampField !== undefined && Object.hasOwn(object, timestampField)) {
        timestamp = parseTimestamp(object[timestampField]);
        if (timestamp === undefined) {
          problem = { kind: 'serial-bad-timestamp', message: `field "${timestampField}" is not a time; arrival time used` };
        }
      }
      const values: FieldValue[] = [];
      const outOfRange: string[] = [];
      collect(object, '', { values, outOfRange }, (key, prefix) => (prefix === '' && key === timestampField) || ignore.has(prefix + key));
      // The line's other fields are kept; a bad timestamp, found first, is the one reported.
      if (outOfRange.length > 0 && problem === undefined) {
        const kept = values.length === 0 ? 'no other field was read' : 'the other fields were read';
        problem = { kind: 'serial-not-a-number', message: `${outOfRange.join(', ')}: a number beyond ±1.8e308, which reads as Infinity; ${kept}` };
      }
      if (values.length === 0 && problem === undefined) {
        problem = { kind: 'serial-no-values', message: 'no numeric or boolean field in the JSON object' };
      }
      return { values, timestamp, problem };
    },
  };
}

/** What a JSON object's fields became: values, and the fields whose number overflowed to Infinity (`1e999`). */
interface Collected {
  readonly values: FieldValue[];
  readonly outOfRange: string[];
}

function collect(object: Record<string, unknown>, prefix: string, out: Collected, skip: (key: string, prefix: string) => boolean): void {
  for (const key of Object.keys(object)) {
    if (skip(key, prefix)) continue;
    const value = object[key];
    const field = prefix + key;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) out.values.push({ field, value });
      else out.outOfRange.push(field);
    } else if (typeof value === 'boolean') {
      out.values.push({ field, value: value ? 1 : 0 });
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      collect(value as Record<string, unknown>, `${field}/`, out, skip);
    }
  }
}

/** Milliseconds or seconds since the epoch (told apart by size), or an ISO 8601 string. */
function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}
