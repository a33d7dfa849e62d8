import type { Reading, Tags } from '../../rules/reading.js';
import type { FieldNames } from './field-names.js';
import { scanFlatJson, type FlatFields, type FlatKeys } from './flat-json-payload.js';
import { evaluateJsonPath, parseJsonPath, type JsonPath } from './json-path.js';

/** Why a payload was rejected; the kind is what bad-input counters and logs are keyed by. */
export interface PayloadRejection {
  readonly kind: 'mqtt-payload-too-large' | 'mqtt-bad-payload' | 'mqtt-no-values' | 'mqtt-bad-timestamp' | 'mqtt-number-out-of-range';
  readonly message: string;
}

export interface PayloadParseOptions {
  readonly source: string;
  readonly sensor: string;
  readonly tags: Tags;
  /** Path (see json-path.ts) of the JSON field with the time of measurement; a plain name is a top-level field. */
  readonly timestampField: string | undefined;
  readonly maxPayloadBytes: number;
  /** Arrival time, used when the payload carries no timestamp of its own. */
  readonly now: number;
  /** When given, only these fields of a JSON object become readings, named `<sensor>/<name>`. */
  readonly fields?: readonly FieldPath[] | undefined;
  /** Field names skipped at any depth when every field is read (ids, firmware info). */
  readonly ignoreFields?: ReadonlySet<string> | undefined;
  /** Read string fields `"ON"`/`"OFF"`, `"true"`/`"false"` as 1/0 when every field is read. */
  readonly onOffStrings?: boolean | undefined;
  /** Where `<sensor>/<field>` names are kept between messages; absent: each is made anew. */
  readonly names?: FieldNames | undefined;
  /**
   * Where a flat JSON object of numbers is read from its bytes (flat-json-payload.ts), for a reader of every field;
   * absent: every payload goes the general way.
   */
  readonly flat?: { readonly keys: FlatKeys; readonly fields: FlatFields } | undefined;
}

/** One entry of the `fields` option, its path parsed. */
export interface FieldPath {
  readonly name: string;
  readonly path: JsonPath;
}

/** Parses the `fields` option once; throws on a path that does not parse (the options schema checks them first). */
export function compileFields(fields: Readonly<Record<string, string>>): FieldPath[] {
  return Object.entries(fields).map(([name, path]) => ({ name, path: parseJsonPath(path) }));
}

/** Where the timestamp was found, so that field is not also read as a value. */
interface Walk {
  options: PayloadParseOptions;
  timestamp: number;
  out: Reading[];
  skipParent: object | undefined;
  skipKey: string | number | undefined;
  /** Sensors whose JSON number overflowed to Infinity (`1e999`): bad input, not a reading. Made on the first. */
  outOfRange: string[] | undefined;
}

/**
 * The one Walk, set anew for each payload rather than made per message (issue 24: allocations per reading). Safe
 * because a payload is read synchronously to the end and nothing in it calls back into parseMqttPayload.
 */
const walk: Walk = { options: undefined as unknown as PayloadParseOptions, timestamp: 0, out: [], skipParent: undefined, skipKey: undefined, outOfRange: undefined };

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
  if (options.flat !== undefined && options.fields === undefined && readFlatObject(payload, options, out)) return undefined;
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
  let skipParent: object | undefined;
  let skipKey: string | number | undefined;
  if (options.timestampField !== undefined) {
    const path = timestampPath(options.timestampField);
    let value: unknown;
    const top = path.length === 1 ? path[0] : undefined;
    if (typeof top === 'string') {
      // A top-level field, nearly always: looked up here, as evaluateJsonPath would, without a hit object per message.
      if (Object.hasOwn(object, top)) {
        value = object[top];
        skipParent = object;
        skipKey = top;
      }
    } else {
      const hit = evaluateJsonPath(object, path);
      if (hit !== undefined) {
        value = hit.value;
        skipParent = hit.parent;
        skipKey = hit.key;
      }
    }
    if (skipParent !== undefined) {
      const stamped = parseTimestamp(value);
      if (stamped === undefined) {
        rejection = { kind: 'mqtt-bad-timestamp', message: `field "${options.timestampField}" is not a time: ${preview(JSON.stringify(value))}; arrival time used` };
      } else {
        timestamp = stamped;
      }
    }
  }
  startWalk(options, timestamp, out, skipParent, skipKey);
  const before = out.length;
  if (options.fields === undefined) {
    collectFields(object, options.sensor, walk);
  } else {
    for (const field of options.fields) {
      const hit = evaluateJsonPath(object, field.path);
      if (hit !== undefined) addValue(hit.value, joinName(options, options.sensor, field.name), walk, 'any');
    }
  }
  // The other fields of the payload are kept; a bad timestamp, found first, is the one reported.
  if (walk.outOfRange !== undefined && rejection === undefined) {
    const kept = out.length === before ? 'no other field was read' : 'the other fields were read';
    return {
      kind: 'mqtt-number-out-of-range',
      message: `${walk.outOfRange.join(', ')}: a number beyond ±1.8e308, which reads as Infinity; ${kept}: ${preview(text)}`,
    };
  }
  if (out.length === before) {
    const which = options.fields === undefined ? 'no numeric or boolean field' : `none of the fields ${options.fields.map((f) => f.name).join(', ')}`;
    return { kind: 'mqtt-no-values', message: `${which} in ${preview(text)}` };
  }
  return rejection;
}

/**
 * The usual sensor payload, a flat object of numbers, read from its bytes; true when it was one and gave readings
 * with a good timestamp (or none asked for). Everything else, bad input included, goes the general way, which
 * reads and reports it.
 */
function readFlatObject(payload: Buffer, options: PayloadParseOptions, out: Reading[]): boolean {
  const { keys, fields } = options.flat!;
  if (!scanFlatJson(payload, keys, fields)) return false;
  let timestamp = options.now;
  let stampAt = -1;
  if (options.timestampField !== undefined) {
    const path = timestampPath(options.timestampField);
    const top = path.length === 1 ? path[0] : undefined;
    if (typeof top !== 'string') return false;
    for (let k = 0; k < fields.count; k++) {
      if (fields.keys[k] === top) {
        stampAt = k;
        break;
      }
    }
    if (stampAt >= 0) {
      const stamped = fields.numeric[stampAt] === 1 ? parseTimestamp(fields.values[stampAt]) : undefined;
      if (stamped === undefined) return false;
      timestamp = stamped;
    }
  }
  const before = out.length;
  for (let k = 0; k < fields.count; k++) {
    const value = fields.values[k]!;
    // null is no reading; the timestamp is one field, not a value.
    if (k === stampAt || Number.isNaN(value)) continue;
    const key = fields.keys[k]!;
    if (options.ignoreFields?.has(key)) continue;
    out.push({ source: options.source, sensor: joinName(options, options.sensor, key), value, timestamp, tags: options.tags });
  }
  return out.length > before;
}

/** Sets the one Walk up for the next payload. */
function startWalk(options: PayloadParseOptions, timestamp: number, out: Reading[], skipParent: object | undefined, skipKey: string | number | undefined): void {
  walk.options = options;
  walk.timestamp = timestamp;
  walk.out = out;
  walk.skipParent = skipParent;
  walk.skipKey = skipKey;
  walk.outOfRange = undefined;
}

function collectFields(object: Record<string, unknown>, prefix: string, walk: Walk): void {
  for (const key in object) {
    // The timestamp is one field (top-level unless its path says otherwise); another of the same name is a value.
    if (object === walk.skipParent && key === walk.skipKey) continue;
    if (walk.options.ignoreFields?.has(key)) continue;
    addValue(object[key], joinName(walk.options, prefix, key), walk, walk.options.onOffStrings === true ? 'words' : 'none');
  }
}

function joinName(options: PayloadParseOptions, prefix: string, field: string): string {
  return options.names === undefined ? `${prefix}/${field}` : options.names.join(prefix, field);
}

/**
 * Which JSON strings count as values: a field picked by path may be a number in quotes (`"battery":"100.00"` from
 * older firmware) or a word; when every field is read, strings are names and states, and at most ON/OFF counts.
 */
type StringValues = 'none' | 'words' | 'any';

/** Adds the reading(s) of one JSON value: a number, a boolean, a string if allowed, or an object's fields. */
function addValue(value: unknown, sensor: string, walk: Walk, strings: StringValues): void {
  const { options, timestamp, out } = walk;
  let reading: number | undefined;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) reading = value;
    else (walk.outOfRange ??= []).push(sensor);
  } else if (typeof value === 'boolean') {
    reading = value ? 1 : 0;
  } else if (typeof value === 'string') {
    if (strings === 'any') reading = parseScalar(value.trim());
    else if (strings === 'words') reading = booleanWord(value.trim());
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    collectFields(value as Record<string, unknown>, sensor, walk);
  }
  if (reading !== undefined) out.push({ source: options.source, sensor, value: reading, timestamp, tags: options.tags });
}

const timestampPaths = new Map<string, JsonPath>();

/** The parsed path of a timestamp_field, cached: the options are few and fixed, the messages many. */
function timestampPath(field: string): JsonPath {
  let path = timestampPaths.get(field);
  if (path === undefined) {
    try {
      path = parseJsonPath(field);
    } catch {
      path = [field]; // not a path: a top-level field of exactly that name
    }
    timestampPaths.set(field, path);
  }
  return path;
}

function booleanWord(text: string): number | undefined {
  // No word is longer than "false": a JSON payload is not lower-cased (copied) only to find that out.
  if (text.length > 5) return undefined;
  const lower = text.toLowerCase();
  // Own keys only, or "constructor" and "__proto__" would come back as values.
  return Object.hasOwn(BOOLEAN_WORDS, lower) ? BOOLEAN_WORDS[lower] : undefined;
}

/** A plain decimal number; made once (a regex literal in the function is a new RegExp object per call). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseScalar(text: string): number | undefined {
  if (text === '') return undefined;
  const word = booleanWord(text);
  if (word !== undefined) return word;
  if (!DECIMAL.test(text)) return undefined;
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
