import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('parses each unit into milliseconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
  });

  it('accepts fractions and rounds to whole milliseconds', () => {
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('0.25s')).toBe(250);
    expect(parseDuration('1.5ms')).toBe(2);
  });

  it('accepts zero', () => {
    expect(parseDuration('0s')).toBe(0);
  });

  it('ignores surrounding whitespace', () => {
    expect(parseDuration('  10s \n')).toBe(10_000);
  });

  it('rejects a number without a unit', () => {
    expect(parseDuration('10')).toBeUndefined();
  });

  it('rejects unknown units, upper case and spaces between number and unit', () => {
    for (const text of ['10w', '10sec', '10S', '1H', '10 s', 'ms', '']) {
      expect(parseDuration(text), text).toBeUndefined();
    }
  });

  it('rejects negative numbers, exponents and compound durations', () => {
    for (const text of ['-1s', '+1s', '1e3ms', '1m30s', '.5s', '5.s', 'Infinitys']) {
      expect(parseDuration(text), text).toBeUndefined();
    }
  });
});
