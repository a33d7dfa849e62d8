import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test/helpers/manual-clock.js';
import { ReconnectLoop } from './reconnect-loop.js';
import { RetryDelay } from './retry-delay.js';

/** A loop whose attempts fail until `works` is set, with the time of each attempt written down. */
function loopOf(clock: ManualClock, initialMs = 100, maxMs = 400) {
  const state = { works: false, attempts: [] as number[] };
  const loop: ReconnectLoop = new ReconnectLoop(clock, RetryDelay.doubling(initialMs, maxMs), async () => {
    state.attempts.push(clock.monotonic());
    if (state.works) loop.connected();
    else loop.failed();
  });
  return { loop, state };
}

describe('ReconnectLoop', () => {
  it('tries at once, then after waits doubling up to the maximum, and from the first wait again after a success', async () => {
    const clock = new ManualClock();
    const { loop, state } = loopOf(clock);
    await loop.start();
    await clock.advance(1_500);
    expect(state.attempts).toEqual([0, 100, 300, 700, 1_100, 1_500]);
    state.works = true;
    await clock.advance(400);
    expect(state.attempts.at(-1)).toBe(1_900);
    state.works = false;
    loop.failed(); // the link was lost
    await clock.advance(300);
    expect(state.attempts.slice(-2)).toEqual([2_000, 2_200]);
    await loop.stop();
  });

  it('tries again after a fixed wait without moving the backoff, and not at all once stopped', async () => {
    const clock = new ManualClock();
    const { loop, state } = loopOf(clock);
    await loop.start();
    loop.retryIn(50); // replaces the 100 ms the failure scheduled
    await clock.advance(50);
    expect(state.attempts).toEqual([0, 50]);
    await clock.advance(200); // the backoff's second step
    expect(state.attempts).toEqual([0, 50, 250]);
    await loop.stop();
    await clock.advance(10_000);
    expect(state.attempts).toHaveLength(3);
    expect(clock.pendingTimers).toBe(0);
  });

  it('waits in stop() for the attempt under way', async () => {
    const clock = new ManualClock();
    let finish: (() => void) | undefined;
    let finished = false;
    const loop = new ReconnectLoop(clock, RetryDelay.doubling(100, 100), async () => {
      await new Promise<void>((resolve) => (finish = resolve));
      finished = true;
    });
    void loop.start();
    const stopped = loop.stop().then(() => finished);
    finish!();
    expect(await stopped).toBe(true);
  });
});
