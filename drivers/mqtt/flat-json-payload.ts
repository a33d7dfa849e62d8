/**
 * The usual sensor payload, a flat JSON object of numbers (`{"value":21.5,"time":1700000000000}`), read straight
 * from the message's bytes: no string of the payload, no parsed object, no property walk. Anything else (a nested
 * object, a string value, an escape, a byte beyond ASCII, a duplicate key, a key like an array index) is left to the
 * general reader (mqtt-payload.ts), which reads it exactly as before: this only ever answers for payloads where both
 * give the same readings (property test in flat-json-payload.test.ts).
 */

/** Keys and values of one payload, in the order they appear; reused from message to message. */
export interface FlatFields {
  count: number;
  readonly keys: string[];
  /** The number, or for `true`/`false` 1/0, or NaN for `null`. */
  readonly values: Float64Array;
  /** Whether the value was a JSON number (not `true`, `false` or `null`). */
  readonly numeric: Uint8Array;
}

/** More keys than this and the general reader takes the payload (and its quadratic duplicate check stays short). */
export const MAX_FLAT_FIELDS = 32;

export function flatFields(): FlatFields {
  return { count: 0, keys: new Array<string>(MAX_FLAT_FIELDS).fill(''), values: new Float64Array(MAX_FLAT_FIELDS), numeric: new Uint8Array(MAX_FLAT_FIELDS) };
}

/**
 * Key strings seen before, handed out again when the same bytes come: most payloads of a fleet have the same few
 * keys, so reading a key costs a comparison of its bytes and no new string. At most KEPT_KEYS, replaced in turn.
 */
export class FlatKeys {
  private readonly kept: string[] = [];
  private next = 0;

  /** The key in bytes [start, end) of `bytes`, all printable ASCII (the scanner checked), as a string. */
  key(bytes: Buffer, start: number, end: number): string {
    const length = end - start;
    const kept = this.kept;
    for (let k = 0; k < kept.length; k++) {
      const candidate = kept[k]!;
      if (candidate.length === length && sameBytes(candidate, bytes, start)) return candidate;
    }
    const key = bytes.toString('latin1', start, end);
    if (kept.length < KEPT_KEYS) kept.push(key);
    else {
      kept[this.next] = key;
      this.next = (this.next + 1) % KEPT_KEYS;
    }
    return key;
  }
}

const KEPT_KEYS = 64;

function sameBytes(text: string, bytes: Buffer, start: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}

const SPACE = 0x20;
const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** Exact powers of ten: a mantissa below 2^53 divided by one of these is the correctly rounded value (one IEEE division). */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Scans `bytes` as a flat JSON object into `fields`; false when it is anything else, or not valid JSON, or a case
 * the general reader must judge (then `fields` holds nothing usable). Numbers are the values JSON.parse gives.
 */
export function scanFlatJson(bytes: Buffer, keys: FlatKeys, fields: FlatFields): boolean {
  const end = bytes.length;
  let i = skipSpace(bytes, 0, end);
  if (i >= end || bytes[i] !== OPEN) return false;
  let count = 0;
  i = skipSpace(bytes, i + 1, end);
  if (i >= end || bytes[i] === CLOSE) return false; // {}: the general reader says what is missing
  for (;;) {
    if (count === MAX_FLAT_FIELDS || bytes[i] !== QUOTE) return false;
    const keyStart = i + 1;
    let j = keyStart;
    for (; j < end; j++) {
      const byte = bytes[j]!;
      if (byte === QUOTE) break;
      // Escapes, control characters and anything beyond ASCII: the general reader decodes them.
      if (byte < SPACE || byte > 0x7e || byte === BACKSLASH) return false;
    }
    if (j >= end || j === keyStart) return false;
    // A key like an array index comes first in a parsed object whatever its place: order would differ.
    const first = bytes[keyStart]!;
    if (first >= ZERO && first <= NINE) return false;
    const key = keys.key(bytes, keyStart, j);
    if (key === '__proto__') return false;
    for (let k = 0; k < count; k++) if (fields.keys[k] === key) return false; // a duplicate: JSON.parse keeps the last
    i = skipSpace(bytes, j + 1, end);
    if (i >= end || bytes[i] !== COLON) return false;
    i = skipSpace(bytes, i + 1, end);
    if (i >= end) return false;
    const byte = bytes[i]!;
    if (byte === MINUS || (byte >= ZERO && byte <= NINE)) {
      const numberEnd = scanNumber(bytes, i, end);
      if (numberEnd < 0) return false;
      const value = numberAt(bytes, i, numberEnd);
      if (!Number.isFinite(value)) return false; // 1e999: the general reader reports it
      fields.values[count] = value;
      fields.numeric[count] = 1;
      i = numberEnd;
    } else if (matches(bytes, i, end, 'true')) {
      fields.values[count] = 1;
      fields.numeric[count] = 0;
      i += 4;
    } else if (matches(bytes, i, end, 'false')) {
      fields.values[count] = 0;
      fields.numeric[count] = 0;
      i += 5;
    } else if (matches(bytes, i, end, 'null')) {
      fields.values[count] = Number.NaN;
      fields.numeric[count] = 0;
      i += 4;
    } else {
      return false; // a string, an object, an array: the general reader
    }
    fields.keys[count++] = key;
    i = skipSpace(bytes, i, end);
    if (i >= end) return false;
    if (bytes[i] === COMMA) {
      i = skipSpace(bytes, i + 1, end);
      if (i >= end) return false;
      continue;
    }
    if (bytes[i] !== CLOSE) return false;
    fields.count = count;
    return skipSpace(bytes, i + 1, end) === end;
  }
}

function skipSpace(bytes: Buffer, i: number, end: number): number {
  while (i < end) {
    const byte = bytes[i]!;
    if (byte !== SPACE && byte !== TAB && byte !== LINE_FEED && byte !== CARRIAGE_RETURN) return i;
    i++;
  }
  return i;
}

function matches(bytes: Buffer, i: number, end: number, word: string): boolean {
  if (i + word.length > end) return false;
  for (let k = 0; k < word.length; k++) if (bytes[i + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** The end of a JSON number starting at `i` (RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), or -1. */
function scanNumber(bytes: Buffer, i: number, end: number): number {
  if (bytes[i] === MINUS) i++;
  if (i >= end) return -1;
  if (bytes[i] === ZERO) i++;
  else if (isDigit(bytes[i]!)) while (i < end && isDigit(bytes[i]!)) i++;
  else return -1;
  if (i < end && bytes[i] === DOT) {
    i++;
    if (i >= end || !isDigit(bytes[i]!)) return -1;
    while (i < end && isDigit(bytes[i]!)) i++;
  }
  if (i < end && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
    i++;
    if (i < end && (bytes[i] === 0x2b || bytes[i] === MINUS)) i++;
    if (i >= end || !isDigit(bytes[i]!)) return -1;
    while (i < end && isDigit(bytes[i]!)) i++;
  }
  return i;
}

function isDigit(byte: number): boolean {
  return byte >= ZERO && byte <= NINE;
}

/**
 * The value of the JSON number in [start, end). Up to 15 digits and no exponent, as sensors send them: the digits as
 * an integer, exact below 2^53, divided by an exact power of ten, which IEEE rounds correctly (Clinger's fast path,
 * the one strtod takes first). Otherwise Number() of the text, as JSON.parse would.
 */
function numberAt(bytes: Buffer, start: number, end: number): number {
  let i = start;
  const negative = bytes[i] === MINUS;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let decimals = 0;
  let afterDot = false;
  for (; i < end; i++) {
    const byte = bytes[i]!;
    if (byte === DOT) {
      afterDot = true;
      continue;
    }
    if (byte < ZERO || byte > NINE) return Number(bytes.toString('latin1', start, end)); // an exponent
    mantissa = mantissa * 10 + (byte - ZERO);
    if (mantissa !== 0 || afterDot) digits++;
    if (afterDot) decimals++;
  }
  if (digits > 15 || decimals > 22) return Number(bytes.toString('latin1', start, end));
  const value = decimals === 0 ? mantissa : mantissa / POWERS_OF_TEN[decimals]!;
  return negative ? -value : value;
}
