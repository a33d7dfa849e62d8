import { describe, expect, it } from 'vitest';
import { safePreview, unescapeBytes } from './escapes.js';

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

describe('safePreview', () => {
  it('escapes control characters and bytes that are not UTF-8, and keeps UTF-8 text', () => {
    expect(safePreview(Buffer.from([0x41, 0x00, 0x0d, 0x0a, 0xff, 0x1b]))).toBe('A\\x00\\r\\n\\xff\\x1b');
    expect(safePreview('21.5 °C')).toBe('21.5 °C');
    expect(safePreview(Buffer.from([0xc3]))).toBe('\\xc3');
  });

  it('caps the length', () => {
    expect(safePreview('x'.repeat(200), 10)).toBe(`${'x'.repeat(10)}…`);
  });
});
