import { describe, expect, it } from 'vitest';
import { safePreview, safeText } from './safe-text.js';

describe('safePreview', () => {
  it('escapes control characters and bytes that are not UTF-8, and keeps UTF-8 text', () => {
    expect(safePreview(Buffer.from([0x41, 0x00, 0x0d, 0x0a, 0xff, 0x1b]))).toBe('A\\x00\\r\\n\\xff\\x1b');
    expect(safePreview('21.5 °C')).toBe('21.5 °C');
    expect(safePreview(Buffer.from([0xc3]))).toBe('\\xc3');
    expect(safePreview('a\\x1b')).toBe('a\\\\x1b');
  });

  it('caps the length', () => {
    expect(safePreview('x'.repeat(200), 10)).toBe(`${'x'.repeat(10)}…`);
  });
});

describe('safeText', () => {
  it('escapes an ESC sequence, NULs, C1 controls and newlines, keeps backslashes and text of any length', () => {
    expect(safeText('unknown key "\u001b[2J\u001b[H"')).toBe('unknown key "\\x1b[2J\\x1b[H"');
    expect(safeText('a\u0000b\nc\u009bd')).toBe('a\\x00b\\nc\\xc2\\x9bd');
    expect(safeText('use \\n, \\r or \\xNN; 21.5 °C')).toBe('use \\n, \\r or \\xNN; 21.5 °C');
    expect(safeText('y'.repeat(500))).toBe('y'.repeat(500));
  });
});
