import type { Reading, Tags } from '../../rules/reading.js';

/** Why a payload was rejected; the kind is what bad-input counters and logs are keyed by. */
export interface PayloadRejection {
  readonly kind: 'mqtt-payload-too-large' | 'mqtt-bad-payload' | 'mqtt-no-values' | 'mqtt-bad-timestamp';
  readonly message: string;
}

export interface PayloadParseOptions {
  readonly source: string;
  readonly sensor: string;
  readonly tags: Tags;
  readonly timestampField: string | undefined;
  readonly maxPayloadBytes: number;
  /** Arrival time, used when the payload carries no timestamp of its own. */
  readonly now: number;
}

const BOOLEAN_WORDS: Record<string, number> = { true: 1, false: 0, on: 1, off: 0 };

/**
 * Turns one MQTT payload into readings: a plain number (`21.5`), a boolean word (`true`, `ON`), or a JSON object
 * whose numeric and boolean fields each become a reading named `<sensor>/<field>` (nested objects join with `/`).
 */
export function parseMqttPayload(
  payload: Buffer,
  options: PayloadParseOptions,
  out: Reading[],
): PayloadRejection | undefined {
  if (payload.length > options.maxPayloadBytes) {
    return { kind: 'mqtt-payload-too-large', message: `payload of ${payload.length} bytes exceeds max_payload_bytes (${options.maxPayloadBytes})` };
  }
  const text = payload.toString('utf8').trim();
  const scalar = parseScalar(text);
  if (scalar !== undefined) {
    out.push({ source: options.source, sensor: options.sensor, value: scalar, timestamp: options.now, tags: options.tags });
    return undefined;
  }
  if (!text.startsWith('{')) {
    return { kind: 'mqtt-bad-payload', message: `expected a number, true/false, ON/OFF or a JSON object, got ${preview(text)}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { kind: 'mqtt-bad-payload', message: `invalid JSON (${(error as Error).message}) in ${preview(text)}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { kind: 'mqtt-bad-payload', message: `expected a JSON object, got ${preview(text)}` };
  }
  const object = parsed as Record<string, unknown>;
  let timestamp = options.now;
  let rejection: PayloadRejection | undefined;
  if (options.timestampField !== undefined && Object.hasOwn(object, options.timestampField) && object[options.timestampField] !== undefined) {
    const stamped = parseTimestamp(object[options.timestampField]);
    if (stamped === undefined) {
      rejection = { kind: 'mqtt-bad-timestamp', message: `field "${options.timestampField}" is not a time: ${preview(JSON.stringify(object[options.timestampField]))}; arrival time used` };
    } else {
      timestamp = stamped;
    }
  }
  const before = out.length;
  collectFields(object, options.sensor, options, timestamp, out);
  if (out.length === before) {
    return { kind: 'mqtt-no-values', message: `no numeric or boolean field in ${preview(text)}` };
  }
  return rejection;
}

function collectFields(object: Record<string, unknown>, prefix: string, options: PayloadParseOptions, timestamp: number, out: Reading[]): void {
  for (const key in object) {
    // The timestamp is a top-level field; a nested field of the same name is a value like any other.
    if (prefix === options.sensor && key === options.timestampField) continue;
    const value = object[key];
    const sensor = `${prefix}/${key}`;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) out.push({ source: options.source, sensor, value, timestamp, tags: options.tags });
    } else if (typeof value === 'boolean') {
      out.push({ source: options.source, sensor, value: value ? 1 : 0, timestamp, tags: options.tags });
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      collectFields(value as Record<string, unknown>, sensor, options, timestamp, out);
    }
  }
}

function parseScalar(text: string): number | undefined {
  if (text === '') return undefined;
  const lower = text.toLowerCase();
  // Own keys only, or "constructor" and "__proto__" would come back as values.
  if (Object.hasOwn(BOOLEAN_WORDS, lower)) return BOOLEAN_WORDS[lower];
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
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

function preview(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
