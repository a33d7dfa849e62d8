/**
 * Byte strings written in YAML with C-style escapes. A plain or single-quoted YAML scalar keeps `\r\n` as four
 * characters; a double-quoted one has already turned it into two. Both must mean the same delimiter or command.
 */
export function unescapeBytes(text: string): Buffer {
  const parts: Buffer[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') parts.push(Buffer.from(literal, 'utf8'));
    literal = '';
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char !== '\\' || i === text.length - 1) {
      literal += char;
      continue;
    }
    const next = text[++i]!;
    switch (next) {
      case 'n':
        literal += '\n';
        break;
      case 'r':
        literal += '\r';
        break;
      case 't':
        literal += '\t';
        break;
      case '0':
        literal += '\0';
        break;
      case '\\':
        literal += '\\';
        break;
      case 'x': {
        const hex = text.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`"\\x" must be followed by two hex digits, got "\\x${hex}"`);
        flush();
        parts.push(Buffer.from([Number.parseInt(hex, 16)]));
        i += 2;
        break;
      }
      default:
        throw new Error(`unknown escape "\\${next}"; use \\n, \\r, \\t, \\0, \\\\ or \\xNN`);
    }
  }
  flush();
  return Buffer.concat(parts);
}

/** Escapes control characters and bytes that are not UTF-8 (`\x00`, `\r`, `\xff`) so a log line stays one safe line. */
export function safePreview(bytes: Buffer | string, maxChars = 80): string {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
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
    if (byte === 0x5c) out += '\\\\';
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
