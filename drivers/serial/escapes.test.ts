import { describe, expect, it } from 'vitest';
import { unescapeBytes } from './escapes.js';

describe('unescapeBytes', () => {
  it('reads C-style escapes as written in plain YAML', () => {
    expect(unescapeBytes('\\r\\n')).toEqual(Buffer.from('\r\n'));
    expect(unescapeBytes('READ\\x03')).toEqual(Buffer.from([0x52, 0x45, 0x41, 0x44, 0x03]));
    expect(unescapeBytes('a\\\\b\\t')).toEqual(Buffer.from('a\\b\t'));
    expect(unescapeBytes('\n')).toEqual(Buffer.from('\n'));
  });

  it('rejects unknown escapes and short hex', () => {
    expect(() => unescapeBytes('\\q')).toThrow(/unknown escape/);
    expect(() => unescapeBytes('\\x4')).toThrow(/two hex digits/);
  });
});
