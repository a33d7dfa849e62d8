import { parseDuration } from '../duration.js';
import { didYouMeanSuffix } from '../did-you-mean.js';
import { AggregateError } from './aggregate-error.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The options mapping of an aggregate such as `{ integral: { unit: h } }`: absent (`- integral`, `integral:`) means
 * all defaults; anything else must be a mapping with only the keys the aggregate knows.
 */
export function optionsOf(name: string, options: unknown, allowed: readonly string[], example: string): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new AggregateError(`${name}: expected options as a mapping such as ${example}, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new AggregateError(`${name}: unknown option "${key}"${didYouMeanSuffix(key, allowed)}; allowed: ${allowed.join(', ')}`);
    }
  }
  return options as Record<string, unknown>;
}

/**
 * A time unit in milliseconds: a unit alone (`ms`, `s`, `m`, `h`, `d`) or a duration (`1m`, `15m`, `500ms`).
 * `fallbackMs` when not given.
 */
export function unitOption(name: string, unit: unknown, fallbackMs: number): number {
  if (unit === undefined) return fallbackMs;
  const ms = typeof unit === 'string' ? (UNIT_MS[unit.trim()] ?? parseDuration(unit)) : undefined;
  if (ms === undefined || ms < 1) {
    throw new AggregateError(`${name}.unit: expected a unit such as s, m or h, or a duration such as 15m, got ${describe(unit)}`);
  }
  return ms;
}

/** A percentile from 0 to 100, as written after `p` or under `percentile:`. */
export function percentileOption(written: string, percent: unknown): number {
  if (typeof percent !== 'number' || !Number.isFinite(percent)) {
    throw new AggregateError(`${written}: expected a number from 0 to 100 such as 99.9, got ${describe(percent)}`);
  }
  if (percent < 0 || percent > 100) {
    // p999 is almost always p99.9 with the point forgotten.
    const digits = /^p(9\d)(\d+)$/.exec(written);
    const meant = digits ? ` (for ${digits[1]}.${digits[2]} write p${digits[1]}.${digits[2]})` : '';
    throw new AggregateError(`${written}: a percentile is from 0 to 100, got ${percent}${meant}`);
  }
  return percent;
}

/** The output key of `{ percentile: 99.9 }`: `p99_9`; `p95` for 95. */
export function percentileKey(percent: number): string {
  return `p${String(percent).replace(/[^0-9a-z]/g, '_')}`;
}

/** Upper bounds of a histogram: a non-empty list of distinct numbers, returned sorted. */
export function bucketsOption(buckets: unknown): Float64Array {
  const example = '{ histogram: { buckets: [0, 10, 20] } }';
  if (buckets === undefined) throw new AggregateError(`histogram: needs its bucket bounds, e.g. ${example}`);
  if (!Array.isArray(buckets) || buckets.length === 0) {
    throw new AggregateError(`histogram.buckets: expected a list of upper bounds such as [0, 10, 20], got ${describe(buckets)}`);
  }
  for (const bound of buckets) {
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new AggregateError(`histogram.buckets: every bound must be a number (le_inf is always added), got ${describe(bound)}`);
    }
  }
  const sorted = Float64Array.from(buckets as number[]).sort();
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) throw new AggregateError(`histogram.buckets: ${sorted[i]} is listed twice`);
  }
  return sorted;
}

/** A value as the user wrote it, for messages: `"hour"`, `[1, 2]`, `{ unit: h }`. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `the text "${value}"`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
