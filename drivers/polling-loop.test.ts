import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test/helpers/manual-clock.js';
import { recordingContext } from '../test/helpers/recording-context.js';
import { PollingLoop } from './polling-loop.js';

describe('PollingLoop', () => {
  it('polls at once and then every interval, skipping a tick while a poll is still running', async () => {
    const clock = new ManualClock();
    const { context, logs } = recordingContext('poll', clock.now, clock);
    const polls: number[] = [];
    let slow: (() => void) | undefined;
    const loop = new PollingLoop(clock, 1_000, async () => {
      polls.push(clock.monotonic());
      if (polls.length === 2) await new Promise<void>((resolve) => (slow = resolve));
    }, context.log, 'the test');
    await loop.start();
    expect(polls).toEqual([0]);
    await clock.advance(1_000);
    expect(polls).toEqual([0, 1_000]);
    await clock.advance(1_000); // the poll of 1 s still runs: skipped
    expect(polls).toEqual([0, 1_000]);
    expect(logs.map((log) => log.message)).toEqual(['previous poll still running: tick skipped']);
    slow!();
    await clock.advance(1_000);
    expect(polls).toEqual([0, 1_000, 3_000]);
    const stopped = loop.stop();
    await clock.advance(5_000);
    await stopped;
    expect(polls).toHaveLength(3);
    expect(loop.running).toBe(false);
  });

  it('logs a poll that throws and carries on', async () => {
    const clock = new ManualClock();
    const { context, logs } = recordingContext('poll', clock.now, clock);
    let polls = 0;
    const loop = new PollingLoop(clock, 500, async () => {
      polls += 1;
      if (polls === 1) throw new Error('bus busy');
    }, context.log, 'the 1-Wire bus');
    await loop.start();
    await clock.advance(500);
    expect(polls).toBe(2);
    expect(logs.filter((log) => log.level === 'error').map((log) => log.message)).toEqual(['polling the 1-Wire bus failed']);
    await loop.stop();
  });
});
