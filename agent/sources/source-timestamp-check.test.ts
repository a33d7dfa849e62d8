import { describe, expect, it } from 'vitest';
import { SourceTimestampCheck, sourceTimestampPolicy, type SourceTimestampPolicy } from './source-timestamp-check.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 3_600_000;

function checkWith(policy: Partial<SourceTimestampPolicy> = {}, clock = { synchronised: true }) {
  const skewed: { kind: string; message: string; context: Record<string, unknown> }[] = [];
  const infos: string[] = [];
  const check = new SourceTimestampCheck(
    'devices',
    { maxAheadMs: 5 * MINUTE, maxBehindMs: 5 * MINUTE, onSkew: 'replace', ...policy },
    () => clock.synchronised,
    { skewed: (kind, message, context) => void skewed.push({ kind, message, context }), info: (_context, message) => void infos.push(message) },
  );
  return { check, skewed, infos, clock };
}

describe('checking the timestamps readings carry themselves', () => {
  it("keeps the source's time within the tolerance, either way, and reports nothing", () => {
    const { check, skewed } = checkWith();
    for (const time of [NOW, NOW - 2_000, NOW + 5 * MINUTE, NOW - 5 * MINUTE]) expect(check.timeOf('t', time, NOW)).toBe(time);
    expect(skewed).toEqual([]);
    expect(check.counts).toEqual({ replace: 0, keep: 0, drop: 0 });
  });

  it('stamps a reading an hour ahead or behind with its arrival time, and reports each with its context', () => {
    const { check, skewed } = checkWith();
    expect(check.timeOf('room/t', NOW + HOUR, NOW)).toBe(NOW);
    expect(check.timeOf('room/t', NOW - HOUR, NOW)).toBe(NOW);
    expect(check.counts).toEqual({ replace: 2, keep: 0, drop: 0 });
    expect(skewed).toEqual([
      {
        kind: 'timestamp-ahead',
        message: 'room/t: its time 2025-06-01T13:00:00.000Z is 1 h ahead of the local clock, more than 5 min; stamped with its arrival time instead',
        context: { sensor: 'room/t', source_time: '2025-06-01T13:00:00.000Z', local_time: '2025-06-01T12:00:00.000Z', skew_ms: HOUR, action: 'replace' },
      },
      {
        kind: 'timestamp-behind',
        message: 'room/t: its time 2025-06-01T11:00:00.000Z is 1 h behind the local clock, more than 5 min; stamped with its arrival time instead',
        context: { sensor: 'room/t', source_time: '2025-06-01T11:00:00.000Z', local_time: '2025-06-01T12:00:00.000Z', skew_ms: -HOUR, action: 'replace' },
      },
    ]);
  });

  it('says how far off a time is in the unit a person would use', () => {
    const { check, skewed } = checkWith();
    for (const skew of [HOUR - 30, 90 * MINUTE, 2 * 86_400_000 + 12 * HOUR, 6 * MINUTE + 3_000]) check.timeOf('t', NOW + skew, NOW);
    expect(skewed.map((report) => /is (.+) ahead/.exec(report.message)![1])).toEqual(['1 h', '1.5 h', '2.5 d', '6.1 min']);
    const strict = checkWith({ maxAheadMs: 1_000 });
    strict.check.timeOf('t', NOW + 2_345, NOW);
    expect(strict.skewed[0]!.message).toContain('is 2.3 s ahead of the local clock, more than 1 s;');
  });

  it('keeps or drops a skewed reading when told to, counting it either way', () => {
    const keep = checkWith({ onSkew: 'keep' });
    expect(keep.check.timeOf('t', NOW + HOUR, NOW)).toBe(NOW + HOUR);
    expect(keep.check.counts).toEqual({ replace: 0, keep: 1, drop: 0 });
    expect(keep.skewed[0]!.message).toMatch(/kept as it is \(on_skew: keep\)$/);
    const drop = checkWith({ onSkew: 'drop' });
    expect(drop.check.timeOf('t', NOW - 3 * 86_400_000, NOW)).toBeUndefined();
    expect(drop.check.counts).toEqual({ replace: 0, keep: 0, drop: 1 });
    expect(drop.skewed[0]!.message).toMatch(/is 3 d behind the local clock, more than 5 min; dropped \(on_skew: drop\)$/);
  });

  it('allows a source that delivers late a wider tolerance behind than ahead', () => {
    const { check } = checkWith({ maxAheadMs: 5 * MINUTE, maxBehindMs: 2 * HOUR });
    expect(check.timeOf('t', NOW - HOUR, NOW)).toBe(NOW - HOUR);
    expect(check.timeOf('t', NOW + HOUR, NOW)).toBe(NOW);
    expect(check.counts.replace).toBe(1);
  });

  it('uses the arrival time while the local clock is not synchronised, whatever on_skew says, and says so once per spell', () => {
    const { check, skewed, infos, clock } = checkWith({ onSkew: 'keep' }, { synchronised: false });
    // The device is right and the Pi three days behind: the arrival time is re-dated later, a kept time would not be.
    expect(check.timeOf('t', NOW + 3 * 86_400_000, NOW)).toBe(NOW);
    expect(check.timeOf('t', NOW + 1_000, NOW)).toBe(NOW);
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatch(/not synchronised: this source's own timestamps are replaced by arrival times/);
    expect(skewed).toEqual([]);
    expect(check.counts).toEqual({ replace: 0, keep: 0, drop: 0 });
    clock.synchronised = true;
    expect(check.timeOf('t', NOW + HOUR, NOW)).toBe(NOW + HOUR);
    clock.synchronised = false;
    check.timeOf('t', NOW, NOW);
    expect(infos).toHaveLength(2);
  });

  it('leaves a time that is not a finite number to the not-a-number check, and reports one beyond any date without failing', () => {
    const { check, skewed } = checkWith();
    expect(check.timeOf('t', Number.NaN, NOW)).toBeNaN();
    expect(check.timeOf('t', 1e20, NOW)).toBe(NOW);
    expect(skewed[0]!.context.source_time).toBe('100000000000000000000');
  });
});

describe('the timestamp policy of a source', () => {
  const defaults = { max_skew: 5 * MINUTE, on_skew: 'replace' as const };

  it('is time.source_timestamps for a source that says nothing (or has no such option)', () => {
    expect(sourceTimestampPolicy(defaults, { driver: 'mqtt' })).toEqual({ maxAheadMs: 5 * MINUTE, maxBehindMs: 5 * MINUTE, onSkew: 'replace' });
    expect(sourceTimestampPolicy({ ...defaults, max_behind: HOUR }, undefined)).toEqual({ maxAheadMs: 5 * MINUTE, maxBehindMs: HOUR, onSkew: 'replace' });
  });

  it("takes each key the source gives over the global one, and max_skew for max_behind where neither gives it", () => {
    expect(sourceTimestampPolicy(defaults, { timestamps: { on_skew: 'drop' } })).toEqual({ maxAheadMs: 5 * MINUTE, maxBehindMs: 5 * MINUTE, onSkew: 'drop' });
    expect(sourceTimestampPolicy(defaults, { timestamps: { max_skew: MINUTE } })).toEqual({ maxAheadMs: MINUTE, maxBehindMs: MINUTE, onSkew: 'replace' });
    expect(sourceTimestampPolicy({ ...defaults, max_behind: HOUR }, { timestamps: { max_skew: MINUTE } })).toMatchObject({ maxAheadMs: MINUTE, maxBehindMs: HOUR });
    expect(sourceTimestampPolicy(defaults, { timestamps: { max_behind: 2 * HOUR, on_skew: 'keep' } })).toEqual({ maxAheadMs: 5 * MINUTE, maxBehindMs: 2 * HOUR, onSkew: 'keep' });
  });
});
