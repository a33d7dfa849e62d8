import { describe, expect, it } from 'vitest';
import { AgentClock, type ClockSegment } from './agent-clock.js';

const STALE = Date.UTC(2026, 0, 1, 0, 0, 0); // fake-hwclock's last save
const THREE_DAYS = 3 * 86_400_000;

/** Both clocks of a device, moved by the test: monotonic time only advances, wall time can be set. */
function device() {
  const clocks = { wall: STALE, monotonic: 5_000 };
  return {
    clocks,
    pass(ms: number) {
      clocks.wall += ms;
      clocks.monotonic += ms;
    },
    options: (earlier?: ClockSegment[]) => ({
      bootId: 'boot-1',
      wall: () => clocks.wall,
      monotonic: () => clocks.monotonic,
      stepToleranceMs: 1_000,
      ...(earlier ? { earlier } : {}),
    }),
  };
}

describe('agent clock', () => {
  it('boots unsynchronised, then at the NTP jump corrects what was stamped before by exactly the jump', () => {
    const d = device();
    const clock = new AgentClock(d.options());
    expect(clock.synchronisation({ synchronized: false, method: 'timesyncd' })).toEqual([]);
    expect(clock.isSynchronised).toBe(false);
    const before = clock.current;
    d.pass(600_000); // ten minutes of readings at the stale time
    const stampedAt = d.clocks.wall - 1_000;
    expect(clock.redate(stampedAt, before.id, 'boot-1')).toEqual({ time: stampedAt, quality: 'unsynchronised' });
    d.clocks.wall += THREE_DAYS; // timesyncd sets the clock, then says so
    const events = clock.synchronisation({ synchronized: true, method: 'timesyncd' });
    expect(events.map((event) => event.kind)).toEqual(['step', 'synchronised']);
    expect(events[0]).toMatchObject({ stepMs: THREE_DAYS });
    expect(events[1]).toMatchObject({ corrected: [{ id: before.id, correction: THREE_DAYS }] });
    expect(clock.redate(stampedAt, before.id, 'boot-1')).toEqual({ time: stampedAt + THREE_DAYS, quality: 'redated' });
    expect(clock.redate(d.clocks.wall, clock.current.id, 'boot-1')).toEqual({ time: d.clocks.wall, quality: 'synchronised' });
    expect(clock.isSynchronised).toBe(true);
  });

  it('notices steps while running, and corrects each earlier segment by its own amount', () => {
    const d = device();
    const clock = new AgentClock(d.options());
    const first = clock.current;
    d.pass(60_000);
    d.clocks.wall -= 3_600_000; // someone sets the clock back an hour
    expect(clock.observe()).toMatchObject({ kind: 'step', stepMs: -3_600_000 });
    const second = clock.current;
    expect(second.id).not.toBe(first.id);
    d.pass(250);
    expect(clock.observe()).toBeUndefined();
    d.pass(60_000);
    d.clocks.wall += 7_200_000; // NTP: the right time is an hour after where the clock first was
    clock.synchronisation({ synchronized: true, method: 'timedatectl' });
    expect(clock.redate(STALE + 1_000, first.id, 'boot-1').time).toBe(STALE + 1_000 + 3_600_000);
    expect(clock.redate(STALE, second.id, 'boot-1').time).toBe(STALE + 7_200_000);
  });

  it('leaves results of another boot unsynchronised: their monotonic times do not compare', () => {
    const d = device();
    const earlier: ClockSegment = { id: 7, bootId: 'boot-0', offset: 0, synchronised: false, correction: undefined };
    const clock = new AgentClock(d.options([earlier]));
    clock.synchronisation({ synchronized: true, method: 'timesyncd' });
    expect(clock.redate(STALE, 7, 'boot-0')).toEqual({ time: STALE, quality: 'unsynchronised' });
  });

  it('carries on the segments of an earlier run of the same boot, so a restart before synchronisation loses nothing', () => {
    const d = device();
    const firstRun = new AgentClock(d.options());
    const segment = { ...firstRun.current };
    d.pass(30_000);
    const secondRun = new AgentClock(d.options([segment]));
    expect(secondRun.current.id).toBeGreaterThan(segment.id);
    d.clocks.wall += THREE_DAYS;
    secondRun.synchronisation({ synchronized: true, method: 'timesyncd' });
    expect(secondRun.redate(STALE, segment.id, 'boot-1')).toEqual({ time: STALE + THREE_DAYS, quality: 'redated' });
  });
});
