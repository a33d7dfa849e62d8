import { describe, expect, it } from 'vitest';
import { GroupRows } from './group-rows.js';

describe('aligning a group of sensors into rows', () => {
  it('closes a row once every sensor has reported, whatever the order', () => {
    const rows = new GroupRows(3, undefined);
    expect(rows.offer(2, 1000, 30)).toBe('none');
    expect(rows.offer(0, 1000, 10)).toBe('none');
    expect(rows.offer(1, 1001, 20)).toBe('complete');
    expect([...rows.row]).toEqual([10, 20, 30]);
    expect(rows.rowTime).toBe(1001);
  });

  it('closes the round when a sensor reports again, carrying a dropped-out sensor’s last value', () => {
    const rows = new GroupRows(2, undefined);
    for (let t = 0; t < 5; t++) {
      rows.offer(0, t * 1000, t);
      rows.offer(1, t * 1000, 100 + t);
    }
    expect(rows.offer(0, 5000, 5)).toBe('none'); // sensor 1 drops out this round
    expect(rows.offer(0, 6000, 6)).toBe('complete'); // the round of 5 s closes with sensor 1 carried from 4 s
    expect([...rows.row]).toEqual([5, 104]);
  });

  it('calls a row incomplete once a carried value is older than 3 of its sensor’s intervals', () => {
    const rows = new GroupRows(2, undefined);
    for (let t = 0; t < 5; t++) {
      rows.offer(0, t * 1000, t);
      rows.offer(1, t * 1000, 100 + t);
    }
    const outcomes = [5, 6, 7, 8, 9].map((t) => rows.offer(0, t * 1000, t)); // sensor 1 stopped at 4 s
    expect(outcomes).toEqual(['none', 'complete', 'complete', 'complete', 'incomplete']);
    expect([...rows.missing]).toEqual([0, 1]);
  });

  it('honours a fixed stale_after', () => {
    const rows = new GroupRows(2, 1500);
    rows.offer(0, 0, 1);
    rows.offer(1, 0, 2);
    rows.offer(0, 1000, 1);
    rows.offer(0, 2000, 1);
    expect(rows.offer(0, 3000, 1)).toBe('incomplete'); // sensor 1 is 2 s old at the row of 2 s
  });

  it('skips NaN and Infinity: the sensor ages as if silent, and a sensor that never reported makes rows incomplete', () => {
    const rows = new GroupRows(2, undefined);
    expect(rows.offer(1, 0, Number.NaN)).toBe('none');
    expect(rows.offer(0, 0, 1)).toBe('none');
    expect(rows.offer(1, 0, Number.POSITIVE_INFINITY)).toBe('none');
    expect(rows.offer(0, 1000, 1)).toBe('incomplete');
    expect([...rows.missing]).toEqual([0, 1]);
  });

  it('moves kept times with a clock step, so a carried value is not judged a day old after NTP sets the clock', () => {
    const DAY = 86_400_000;
    const rows = new GroupRows(2, undefined);
    for (let t = 0; t < 5; t++) {
      rows.offer(0, t * 1000, t);
      rows.offer(1, t * 1000, 100 + t);
    }
    rows.clockStepped(DAY);
    rows.offer(0, DAY + 5000, 5); // sensor 1 drops out of this round
    expect(rows.offer(0, DAY + 6000, 6)).toBe('complete');
    const unstepped = new GroupRows(2, undefined);
    for (let t = 0; t < 5; t++) {
      unstepped.offer(0, t * 1000, t);
      unstepped.offer(1, t * 1000, 100 + t);
    }
    unstepped.offer(0, DAY + 5000, 5);
    expect(unstepped.offer(0, DAY + 6000, 6)).toBe('incomplete');
  });
});
