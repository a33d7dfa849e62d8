import { describe, expect, it } from 'vitest';
import type { ReadingResult, WindowResult } from '../../rules/rule-result.js';
import { resultId } from './result-id.js';

const window: WindowResult = {
  kind: 'window',
  rule: 'greenhouse_1m',
  source: 'site',
  sensor: 'greenhouse/temp',
  tags: { room: 'north', unit: '°C' },
  start: 1_796_600_000_000,
  end: 1_796_600_060_000,
  values: { mean: 21.5 },
};

describe('a result id', () => {
  // Ids are stored upstream for de-duplication: the same result must keep the id it had in earlier versions.
  it('is the id earlier versions gave the same result', () => {
    expect(resultId('pi-1', window)).toBe('3zrdqgoLf1MIpT9sdf5rJu');
    const reading: ReadingResult = { kind: 'reading', rule: 'raw', source: 'site', sensor: 'a', tags: {}, timestamp: 1_796_600_000_000, value: 1 };
    expect(resultId('pi-1', reading)).toBe('EJD85O751vgMxQwGEDNDIO');
  });

  it('names the window, not its values: a revision, other values or tags in another order keep it', () => {
    const id = resultId('pi-1', window);
    expect(resultId('pi-1', { ...window, values: { mean: 30 }, revision: 1 })).toBe(id);
    expect(resultId('pi-1', { ...window, tags: { unit: '°C', room: 'north' } })).toBe(id);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('differs for another agent, window start, sensor or tag value', () => {
    const id = resultId('pi-1', window);
    expect(resultId('pi-2', window)).not.toBe(id);
    expect(resultId('pi-1', { ...window, start: window.start + 60_000 })).not.toBe(id);
    expect(resultId('pi-1', { ...window, sensor: 'greenhouse/humidity' })).not.toBe(id);
    expect(resultId('pi-1', { ...window, tags: { room: 'south', unit: '°C' } })).not.toBe(id);
  });
});
