import { describe, expect, it } from 'vitest';
import { LineFramer } from './line-framer.js';

function framer(delimiter = '\n', max = 16) {
  const lines: string[] = [];
  const overflows: string[] = [];
  const f = new LineFramer(Buffer.from(delimiter), max);
  const sink = { line: (b: Buffer) => void lines.push(b.toString()), overflow: (b: Buffer) => void overflows.push(b.toString()) };
  return { lines, overflows, push: (text: string) => f.push(Buffer.from(text), sink), reset: () => f.reset() };
}

describe('LineFramer', () => {
  it('splits a stream into lines and keeps a partial line until its delimiter arrives', () => {
    const f = framer();
    f.push('a=1\nb=');
    expect(f.lines).toEqual(['a=1']);
    f.push('2\n\nc');
    expect(f.lines).toEqual(['a=1', 'b=2', '']);
  });

  it('finds a multi-byte delimiter split across chunks', () => {
    const f = framer('\r\n');
    f.push('one\r');
    f.push('\ntwo\r');
    f.push('\n');
    expect(f.lines).toEqual(['one', 'two']);
  });

  it('drops an over-long line once, however many chunks it spans, and resumes at the next delimiter', () => {
    const f = framer('\n', 8);
    f.push('ok\n0123456');
    f.push('789abcdef');
    f.push('ghijklmnop');
    f.push('qrs\nnext\n');
    expect(f.lines).toEqual(['ok', 'next']);
    expect(f.overflows).toEqual(['0123456789abcdef']);
  });

  it('drops an over-long line that arrives whole in one chunk', () => {
    const f = framer('\n', 4);
    f.push('12345\n1234\n');
    expect(f.lines).toEqual(['1234']);
    expect(f.overflows).toEqual(['12345']);
  });

  it('resyncs on a split multi-byte delimiter after an over-long line', () => {
    const f = framer('\r\n', 4);
    f.push('toolongline\r');
    f.push('\nok\r\n');
    expect(f.lines).toEqual(['ok']);
    expect(f.overflows).toHaveLength(1);
  });

  it('forgets a partial line on reset', () => {
    const f = framer();
    f.push('partial');
    f.reset();
    f.push('whole\n');
    expect(f.lines).toEqual(['whole']);
  });
});
