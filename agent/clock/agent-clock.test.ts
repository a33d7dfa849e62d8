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
    /** Segments as a buffer would keep them: a copy of each as it was last told of. */
    kept: new Map<number, ClockSegment>(),
    options(earlier?: ClockSegment[]) {
      return {
        bootId: 'boot-1',
        wall: () => clocks.wall,
        monotonic: () => clocks.monotonic,
        stepToleranceMs: 1_000,
        onSegment: (segment: ClockSegment) => void this.kept.set(segment.id, { ...segment }),
        ...(earlier ? { earlier } : {}),
      };
    },
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

  it('tells of every segment as it begins and as it gets its correction, so the buffer can keep them', () => {
    const d = device();
    const clock = new AgentClock(d.options());
    expect([...d.kept.values()]).toEqual([{ id: 1, bootId: 'boot-1', offset: STALE - 5_000, synchronised: false, correction: undefined }]);
    d.pass(1_000);
    d.clocks.wall += 3_600_000;
    clock.observe();
    expect(d.kept.get(2)).toMatchObject({ offset: STALE - 5_000 + 3_600_000, correction: undefined });
    d.clocks.wall += THREE_DAYS;
    clock.synchronisation({ synchronized: true, method: 'timesyncd' });
    expect([...d.kept.values()].map((segment) => [segment.id, segment.correction, segment.synchronised])).toEqual([
      [1, THREE_DAYS + 3_600_000, false],
      [2, THREE_DAYS, false],
      [3, 0, true], // begun by the step of the synchronisation itself
    ]);
  });

  it('corrects every unsynchronised segment of two earlier runs at synchronisation, and keeps corrections already known', () => {
    const d = device();
    const restart = () => new AgentClock(d.options([...d.kept.values()].map((segment) => ({ ...segment }))));
    new AgentClock(d.options()); // run 1: segment 1, stopped ten minutes in, before NTP answered
    d.pass(600_000);
    const second = restart(); // run 2, restarted by systemd: segment 2
    d.pass(5_000);
    d.clocks.wall -= 60_000; // someone sets the clock back a minute: segment 3
    second.observe();
    d.pass(60_000);
    const third = restart(); // run 3: segment 4
    expect(third.current.id).toBe(4);
    d.clocks.wall += THREE_DAYS; // NTP: the true time is three days less a minute after the stale one
    const [, synchronised] = third.synchronisation({ synchronized: true, method: 'timesyncd' });
    expect(synchronised).toMatchObject({ kind: 'synchronised', corrected: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }] });
    expect(third.redate(STALE, 1, 'boot-1')).toEqual({ time: STALE + THREE_DAYS - 60_000, quality: 'redated' });
    expect(third.redate(STALE, 2, 'boot-1')).toEqual({ time: STALE + THREE_DAYS - 60_000, quality: 'redated' });
    expect(third.redate(STALE, 3, 'boot-1')).toEqual({ time: STALE + THREE_DAYS, quality: 'redated' });
    expect(third.redate(STALE, 4, 'boot-1')).toEqual({ time: STALE + THREE_DAYS, quality: 'redated' });
    // Run 4, after the synchronisation but before its own first check, re-dates by the corrections kept.
    d.pass(1_000);
    const fourth = restart();
    expect(fourth.isSynchronised).toBe(false);
    expect(fourth.redate(STALE, 2, 'boot-1')).toEqual({ time: STALE + THREE_DAYS - 60_000, quality: 'redated' });
    expect(fourth.redate(STALE + THREE_DAYS, 5, 'boot-1')).toEqual({ time: STALE + THREE_DAYS, quality: 'synchronised' });
  });
});
