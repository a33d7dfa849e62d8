import { describe, expect, it } from 'vitest';
import { NO_TAGS, type Reading } from '../reading.js';
import { compileTransforms } from './compile-transforms.js';

const at = (value: number, timestamp: number, sensor = 'temp'): Reading => ({ source: 'sim', sensor, value, timestamp, tags: NO_TAGS });
const brief = (readings: readonly (Reading | undefined)[]) => readings.map((r) => (r ? [r.value, r.timestamp] : undefined));

describe('throttle', () => {
  it('passes the first reading and then at most one per period, by reading timestamp', () => {
    const chain = compileTransforms([{ throttle: '10s' }]);
    const inputs = [at(1, 0), at(2, 5_000), at(3, 9_999), at(4, 10_000), at(5, 12_000), at(6, 25_000)];
    expect(inputs.map((r) => chain.apply(r)?.value)).toEqual([1, undefined, undefined, 4, undefined, 6]);
  });

  it('throttles each sensor on its own', () => {
    const chain = compileTransforms([{ throttle: '10s' }]);
    const inputs = [at(1, 0, 'a'), at(2, 1_000, 'b'), at(3, 2_000, 'a'), at(4, 3_000, 'b')];
    expect(inputs.map((r) => chain.apply(r)?.value)).toEqual([1, 2, undefined, undefined]);
  });

  it('drops a slightly out-of-order reading but restarts after the clock was set back', () => {
    const chain = compileTransforms([{ throttle: '10s' }]);
    const inputs = [at(1, 100_000), at(2, 95_000), at(3, 50_000), at(4, 55_000), at(5, 60_000)];
    expect(inputs.map((r) => chain.apply(r)?.value)).toEqual([1, undefined, 3, undefined, 5]);
  });
});

describe('throttle_average', () => {
  it('sends the average of each epoch-aligned interval when the next interval begins, stamped at its end', () => {
    const chain = compileTransforms([{ throttle_average: '10s' }]);
    const out = [at(1, 1_000), at(2, 4_000), at(6, 9_999), at(10, 10_000), at(20, 15_000), at(7, 31_000)].map((r) => chain.apply(r));
    expect(brief(out)).toEqual([undefined, undefined, undefined, [3, 10_000], undefined, [15, 20_000]]);
  });

  it('sends an interval\'s average from advance once the interval is over, and nothing for an empty interval', () => {
    const chain = compileTransforms([{ throttle_average: '10s' }]);
    chain.apply(at(1, 12_000));
    chain.apply(at(3, 13_000));
    expect(chain.advance(19_999)).toEqual([]);
    expect(brief(chain.advance(20_000))).toEqual([[2, 20_000]]);
    expect(chain.advance(60_000)).toEqual([]);
    expect(chain.apply(at(5, 61_000))).toBeUndefined();
    expect(brief(chain.advance(70_000))).toEqual([[5, 70_000]]);
  });

  it('averages each sensor on its own, keeping its name and tags', () => {
    const chain = compileTransforms([{ throttle_average: '1m' }]);
    chain.apply(at(1, 0, 'a'));
    chain.apply(at(100, 0, 'b'));
    chain.apply({ ...at(3, 1, 'a'), tags: { room: 'north' } });
    expect(chain.advance(60_000)).toEqual([
      { source: 'sim', sensor: 'a', value: 2, timestamp: 60_000, tags: { room: 'north' } },
      at(100, 60_000, 'b'),
    ]);
  });

  it('counts a late reading into the open interval', () => {
    const chain = compileTransforms([{ throttle_average: '10s' }]);
    chain.apply(at(2, 15_000));
    chain.apply(at(4, 3_000));
    expect(brief(chain.advance(20_000))).toEqual([[3, 20_000]]);
  });
});

describe('heartbeat', () => {
  it('sends the last value every period after the first reading, and not the readings themselves', () => {
    const chain = compileTransforms([{ heartbeat: '60s' }]);
    expect(chain.apply(at(20, 0))).toBeUndefined();
    expect(chain.advance(59_999)).toEqual([]);
    expect(brief(chain.advance(60_000))).toEqual([[20, 60_000]]);
    expect(chain.apply(at(21, 70_000))).toBeUndefined();
    expect(chain.apply(at(22, 80_000))).toBeUndefined();
    expect(brief(chain.advance(120_000))).toEqual([[22, 120_000]]);
    expect(brief(chain.advance(180_000))).toEqual([[22, 180_000]]);
  });

  it('keeps its grid when readings arrive: a new value does not reset the period', () => {
    const chain = compileTransforms([{ heartbeat: '10s' }]);
    chain.apply(at(1, 0));
    chain.apply(at(2, 9_000));
    expect(brief(chain.advance(10_500))).toEqual([[2, 10_000]]);
  });

  it('sends only the latest beat when several were missed', () => {
    const chain = compileTransforms([{ heartbeat: '10s' }]);
    chain.apply(at(1, 0));
    expect(brief(chain.advance(1_000_000_005))).toEqual([[1, 1_000_000_000]]);
    expect(chain.advance(1_000_009_999)).toEqual([]);
    expect(brief(chain.advance(1_000_010_000))).toEqual([[1, 1_000_010_000]]);
  });

  it('sends a beat that was due before a reading from that reading, with the value before it', () => {
    const chain = compileTransforms([{ heartbeat: '10s' }]);
    chain.apply(at(1, 0));
    expect(brief([chain.apply(at(2, 25_000))])).toEqual([[1, 20_000]]);
    expect(brief([chain.apply(at(3, 30_000))])).toEqual([undefined]);
    expect(brief(chain.advance(30_000))).toEqual([[3, 30_000]]);
  });

  it('also passes every reading with optimistic: true', () => {
    const chain = compileTransforms([{ heartbeat: { period: '10s', optimistic: true } }]);
    expect(chain.apply(at(1, 0))?.value).toBe(1);
    expect(chain.apply(at(2, 3_000))?.value).toBe(2);
    expect(brief(chain.advance(10_000))).toEqual([[2, 10_000]]);
    expect(brief([chain.apply(at(3, 35_000))])).toEqual([[3, 35_000]]);
    expect(brief(chain.advance(40_000))).toEqual([[3, 40_000]]);
  });

  it('beats for each sensor on its own schedule', () => {
    const chain = compileTransforms([{ heartbeat: '10s' }]);
    chain.apply(at(1, 0, 'a'));
    chain.apply(at(2, 5_000, 'b'));
    expect(chain.advance(10_000).map((r) => [r.sensor, r.value, r.timestamp])).toEqual([['a', 1, 10_000]]);
    expect(chain.advance(15_000).map((r) => [r.sensor, r.value, r.timestamp])).toEqual([['b', 2, 15_000]]);
  });
});

describe('debounce', () => {
  it('sends a value once no newer reading came for the period, stamped when it became stable', () => {
    const chain = compileTransforms([{ debounce: '1s' }]);
    expect(chain.apply(at(1, 0))).toBeUndefined();
    expect(chain.apply(at(2, 500))).toBeUndefined();
    expect(chain.advance(1_499)).toEqual([]);
    expect(brief(chain.advance(1_500))).toEqual([[2, 1_500]]);
    expect(chain.advance(10_000)).toEqual([]);
  });

  it('never sends while readings keep coming faster than the period', () => {
    const chain = compileTransforms([{ debounce: '1s' }]);
    for (let t = 0; t < 10_000; t += 900) {
      expect(chain.apply(at(t, t))).toBeUndefined();
      expect(chain.advance(t)).toEqual([]);
    }
  });

  it('sends the held value when the next reading comes after the period, without advance', () => {
    const chain = compileTransforms([{ debounce: '1s' }]);
    chain.apply(at(1, 0));
    expect(brief([chain.apply(at(2, 1_000))])).toEqual([[1, 1_000]]);
    expect(brief([chain.apply(at(3, 5_000))])).toEqual([[2, 2_000]]);
  });

  it('is not shortened by an out-of-order reading', () => {
    const chain = compileTransforms([{ debounce: '1s' }]);
    chain.apply(at(1, 5_000));
    chain.apply(at(2, 4_500));
    expect(chain.advance(5_999)).toEqual([]);
    expect(brief(chain.advance(6_000))).toEqual([[2, 6_000]]);
  });

  it('debounces each sensor on its own', () => {
    const chain = compileTransforms([{ debounce: '1s' }]);
    chain.apply(at(1, 0, 'a'));
    chain.apply(at(2, 800, 'b'));
    expect(chain.advance(1_000).map((r) => r.sensor)).toEqual(['a']);
    expect(chain.advance(1_800).map((r) => r.sensor)).toEqual(['b']);
  });
});

describe('dedupe', () => {
  it('drops a reading with the timestamp and value of one already seen within the window', () => {
    const chain = compileTransforms([{ dedupe: '10s' }]);
    const inputs = [at(1, 1_000), at(1, 1_000), at(2, 2_000), at(1, 1_000), at(2, 2_000)];
    expect(inputs.map((r) => chain.apply(r)?.value)).toEqual([1, undefined, 2, undefined, undefined]);
  });

  it('passes a repeated value with a new timestamp, and a new value at a seen timestamp', () => {
    const chain = compileTransforms([{ dedupe: '10s' }]);
    const inputs = [at(1, 1_000), at(1, 2_000), at(5, 1_000), at(5, 1_000), at(1, 1_000)];
    expect(inputs.map((r) => chain.apply(r)?.value)).toEqual([1, 1, 5, undefined, undefined]);
  });

  it('forgets readings older than the window, measured back from the newest timestamp', () => {
    const chain = compileTransforms([{ dedupe: '10s' }]);
    chain.apply(at(1, 0));
    chain.apply(at(2, 10_000));
    expect(chain.apply(at(1, 0))).toBeUndefined();
    chain.apply(at(3, 10_001));
    expect(chain.apply(at(1, 0))?.value).toBe(1);
    expect(chain.apply(at(2, 10_000))).toBeUndefined();
  });

  it('on a long stream, drops repeats from inside the window and passes those from before it', () => {
    const chain = compileTransforms([{ dedupe: '1s' }]);
    for (let t = 0; t < 100_000; t += 10) chain.apply(at(t % 7, t));
    // Only the last second is remembered: a duplicate from just inside it is dropped, one from before it passes.
    expect(chain.apply(at(99_990 % 7, 99_990))).toBeUndefined();
    expect(chain.apply(at(98_000 % 7, 98_000))?.value).toBe(98_000 % 7);
  });

  it('dedupes each sensor on its own', () => {
    const chain = compileTransforms([{ dedupe: '10s' }]);
    expect([at(1, 0, 'a'), at(1, 0, 'b'), at(1, 0, 'a')].map((r) => chain.apply(r)?.sensor)).toEqual(['a', 'b', undefined]);
  });
});

describe('skip_initial', () => {
  it('drops the first readings of each sensor', () => {
    const chain = compileTransforms([{ skip_initial: 2 }]);
    const inputs = [at(1, 0, 'a'), at(2, 0, 'a'), at(1, 0, 'b'), at(3, 0, 'a'), at(2, 0, 'b'), at(3, 0, 'b')];
    expect(inputs.map((r) => chain.apply(r)?.value)).toEqual([undefined, undefined, undefined, 3, undefined, 3]);
  });
});
