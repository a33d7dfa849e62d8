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
