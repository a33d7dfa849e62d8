import { describe, expect, it } from 'vitest';
import type { BufferedResult, ClockStamp } from '../../drivers/driver.js';
import type { WindowResult } from '../../rules/rule-result.js';
import { AgentClock } from './agent-clock.js';
import { UnsynchronisedHold } from './unsynchronised-hold.js';

const STALE = Date.UTC(2026, 0, 1, 0, 0, 0); // fake-hwclock's last save
const THREE_DAYS = 3 * 86_400_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A device's two clocks, moved by the test, its AgentClock (not synchronised), and the hold on it. */
function device(holdMs = HOUR) {
  const clocks = { wall: STALE, monotonic: 5_000 };
  const clock = new AgentClock({ bootId: 'boot-1', wall: () => clocks.wall, monotonic: () => clocks.monotonic, stepToleranceMs: 1_000 });
  clock.synchronisation({ synchronized: false, method: 'timesyncd' });
  const hold = new UnsynchronisedHold(clock, () => clocks.monotonic, holdMs);
  return {
    clocks,
    clock,
    hold,
    pass(ms: number) {
      clocks.wall += ms;
      clocks.monotonic += ms;
    },
    /** Where the agent stamps a result made now. */
    stamp(): ClockStamp {
      return { segment: clock.current.id, boot: 'boot-1', monotonic: clocks.monotonic };
    },
    /** A result stamped `stamp`, committed to the buffer now (by the wall clock, as the Outbox does). */
    buffered(stamp: ClockStamp): BufferedResult {
      const result: WindowResult = { kind: 'window', rule: 'r', source: 's', sensor: 'x', tags: {}, start: clocks.wall - MINUTE, end: clocks.wall, values: { count: 6 } };
      return { seq: 1, result, createdAt: clocks.wall, clock: stamp };
    },
  };
}

describe('the hold of results made while the clock is not synchronised', () => {
  it('is not cut short when NTP steps the clock three days forward and the synchronisation check has not said so yet', () => {
    const d = device();
    const item = d.buffered(d.stamp());
    d.pass(10 * MINUTE);
    d.clocks.wall += THREE_DAYS;
    expect(d.clock.observe()).toMatchObject({ kind: 'step', stepMs: THREE_DAYS }); // the tick sees the step first
    expect(d.hold.synchronised()).toBe(false);
    expect(d.hold.heldFor(item)).toBe(10 * MINUTE);

    d.clock.synchronisation({ synchronized: true, method: 'timesyncd' });
    expect(d.hold.synchronised()).toBe(true);
    const redated = d.hold.redate(item);
    expect(redated.timeQuality).toBe('redated');
    expect((redated.result as WindowResult).start).toBe((item.result as WindowResult).start + THREE_DAYS);
  });

  it('is not lengthened by a step back, and runs out after hold_unsynchronised of monotonic time', () => {
    const d = device();
    const item = d.buffered(d.stamp());
    d.pass(20 * MINUTE);
    d.clocks.wall -= THREE_DAYS; // someone sets the clock back
    d.clock.observe();
    d.pass(40 * MINUTE - 1);
    expect(d.hold.heldFor(item)).toBe(HOUR - 1);
    d.pass(1);
    expect(d.hold.heldFor(item)).toBe(HOUR);
    expect(d.hold.redate(item)).toMatchObject({ timeQuality: 'unsynchronised', result: item.result });
  });

  it('of a window sent at a step counts from when it was buffered, though it was stamped in the segment before the step', () => {
    const d = device();
    const before = d.stamp();
    d.pass(5 * MINUTE);
    d.clocks.wall += THREE_DAYS;
    d.clock.observe();
    // Stamped before the step, committed after it: its commit time is three days from its segment's.
    const flushed = d.buffered({ ...before, monotonic: d.clocks.monotonic });
    d.pass(HOUR);
    expect(d.hold.heldFor(flushed)).toBe(HOUR);
  });

  it('of a result of an earlier boot, or of a stamp without its time, counts from the start of this run', () => {
    const d = device();
    d.pass(2 * MINUTE);
    const earlierBoot = d.buffered({ segment: 1, boot: 'boot-0', monotonic: 99_999_999 });
    const olderStamp = d.buffered({ segment: 1, boot: 'boot-1' });
    const thisRun = d.buffered(d.stamp());
    d.pass(3 * MINUTE);
    expect(d.hold.heldFor(earlierBoot)).toBe(5 * MINUTE);
    expect(d.hold.heldFor(olderStamp)).toBe(5 * MINUTE);
    expect(d.hold.heldFor(thisRun)).toBe(3 * MINUTE);
  });
});
