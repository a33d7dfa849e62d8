/**
 * Text from outside (a device's bytes, a config file, a test file) shown on a terminal or in a log line. Control
 * characters and bytes that are not UTF-8 are written as escapes (`\x00`, `\r`, `\x1b`), so an ESC sequence cannot
 * clear the screen and a NUL or a newline cannot break a line in two.
 */

export interface EscapeOptions {
  /** Longer input is cut here and ends with `…`; default: no limit. */
  readonly maxChars?: number;
  /**
   * Write `\` as `\\`, so the output tells an escaped byte from the same four characters typed (raw device bytes).
   * Off for our own sentences quoting a config (`use \n or \xNN`), where doubling would change the advice.
   */
  readonly escapeBackslash?: boolean;
}

/** Escapes control characters and bytes that are not UTF-8 (`\x00`, `\r`, `\xff`) so a log line stays one safe line. */
export function safePreview(bytes: Buffer | string, maxChars = 80): string {
  return escapeControlBytes(bytes, { maxChars, escapeBackslash: true });
}

/** A message for the terminal (a config problem, a test difference): printable as it is, control bytes escaped. */
export function safeText(text: string): string {
  return escapeControlBytes(text, { escapeBackslash: false });
}

function escapeControlBytes(bytes: Buffer | string, options: EscapeOptions): string {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const maxChars = options.maxChars ?? Number.POSITIVE_INFINITY;
  let out = '';
  let i = 0;
  while (i < buffer.length && out.length < maxChars) {
    const byte = buffer[i]!;
    const width = utf8SequenceLength(buffer, i);
    if (width > 1) {
      out += buffer.subarray(i, i + width).toString('utf8');
      i += width;
      continue;
    }
    if (byte === 0x5c) out += options.escapeBackslash === true ? '\\\\' : '\\';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte === 0x09) out += '\\t';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
    i += 1;
  }
  return i < buffer.length ? `${out}…` : out;
}

/** Length of a valid multi-byte UTF-8 sequence at `i` (printable, so no C1 controls), else 1. */
function utf8SequenceLength(buffer: Buffer, i: number): number {
  const lead = buffer[i]!;
  const width = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 1;
  if (width === 1 || i + width > buffer.length) return 1;
  const text = buffer.subarray(i, i + width).toString('utf8');
  // The decoder turns an invalid sequence into U+FFFD; a valid one is a single code point.
  if (text.includes('\uFFFD') || [...text].length !== 1) return 1;
  const code = text.codePointAt(0)!;
  if (code >= 0x80 && code < 0xa0) return 1;
  return width;
}
