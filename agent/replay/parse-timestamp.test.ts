import { describe, expect, it } from 'vitest';
import { parseTimestamp } from './parse-timestamp.js';

describe('parseTimestamp', () => {
  it('reads the Numenta benchmark form "YYYY-MM-DD HH:MM:SS" as UTC', () => {
    expect(parseTimestamp('2013-07-04 01:00:00')).toBe(Date.UTC(2013, 6, 4, 1));
  });

  it('reads ISO 8601 with a zone, an offset or fractions of a second', () => {
    expect(parseTimestamp('2024-05-01T12:00:00Z')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseTimestamp('2024-05-01T14:00:00+02:00')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseTimestamp('2024-05-01T12:00:00.250Z')).toBe(Date.UTC(2024, 4, 1, 12) + 250);
    expect(parseTimestamp('2024-05-01 12:00')).toBe(Date.UTC(2024, 4, 1, 12));
  });

  it('tells epoch seconds from milliseconds by their size', () => {
    expect(parseTimestamp('1714564800')).toBe(1_714_564_800_000);
    expect(parseTimestamp('1714564800123')).toBe(1_714_564_800_123);
  });

  it('returns undefined for anything else', () => {
    for (const text of ['', 'yesterday', '2024-13-45 99:00:00', '12:00', '2024/05/01']) expect(parseTimestamp(text)).toBeUndefined();
  });
});
