import { describe, expect, it } from 'vitest';
import { ManualClock } from './manual-clock.js';

describe('ManualClock', () => {
  it('fires due timers in order of their time, each at its own time, and intervals again and again', async () => {
    const clock = new ManualClock(1_000_000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.monotonic()}`), 30);
    clock.setTimeout(() => fired.push(`a@${clock.monotonic()}`), 10);
    const every = clock.setInterval(() => fired.push(`i@${clock.monotonic()}`), 25);
    await clock.advance(60);
    expect(fired).toEqual(['a@10', 'i@25', 'b@30', 'i@50']);
    expect(clock.now()).toBe(1_000_060);
    clock.clearTimer(every);
    await clock.advance(100);
    expect(fired).toHaveLength(4);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires a timer set by a timer when it falls due within the same advance, and lets promises settle between', async () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      void Promise.resolve().then(() => clock.setTimeout(() => fired.push(clock.monotonic()), 5));
    }, 10);
    await clock.advance(14);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual([15]);
  });

  it('sleeps, runs the next timer, and steps the wall clock without moving monotonic time', async () => {
    const clock = new ManualClock(0);
    let woke = false;
    void clock.sleep(1_000).then(() => (woke = true));
    expect(await clock.runNext()).toBe(true);
    expect(woke).toBe(true);
    expect(await clock.runNext()).toBe(false);
    clock.stepWall(-500);
    expect([clock.now(), clock.monotonic()]).toEqual([500, 1_000]);
  });

  it("still fires an unref'd timer: there is no process for it to keep alive", async () => {
    const clock = new ManualClock();
    let fired = false;
    clock.unref(clock.setTimeout(() => (fired = true), 10));
    await clock.advance(10);
    expect(fired).toBe(true);
  });
});
