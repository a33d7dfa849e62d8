import { describe, expect, it } from 'vitest';
import { SensorStates } from './sensor-states.js';

const MINUTE = 60_000;
const SILENT = 10 * MINUTE;

/** Moves time from `from` to `to` in steps of `step`, sweeping at each, as the engine's ticks do. */
function sweepUntil<S>(states: SensorStates<S>, from: number, to: number, step: number, keep?: (state: S) => boolean, forgotten?: (state: S, source: string, key: string) => void) {
  for (let now = from; now <= to; now += step) states.forgetSilent(now, SILENT, keep, forgotten);
}

describe('per-sensor state forgotten once silent', () => {
  it('forgets a sensor after its silence, between the silent time and half as long again, and keeps one still reporting', () => {
    const states = new SensorStates<{ n: number }>();
    states.add('s', 'gone', 0, { n: 1 });
    states.add('s', 'here', 0, { n: 2 });
    const forgotten: string[] = [];
    for (let now = 0; now <= 2 * SILENT; now += 1_000) {
      states.seen('s', 'here', now);
      states.forgetSilent(now, SILENT, undefined, (_state, _source, key) => forgotten.push(`${key}@${now}`));
    }
    expect(forgotten).toHaveLength(1);
    const [key, at] = forgotten[0]!.split('@');
    expect(key).toBe('gone');
    expect(Number(at)).toBeGreaterThanOrEqual(SILENT);
    expect(Number(at)).toBeLessThanOrEqual(1.5 * SILENT);
    expect(states.get('s', 'gone')).toBeUndefined();
    expect(states.get('s', 'here')).toEqual({ n: 2 });
    expect(states.size).toBe(1);
  });

  it('keeps what `keep` holds on to, and forgets it once it lets go', () => {
    const states = new SensorStates<{ busy: boolean }>();
    const held = states.add('s', 'held', 0, { busy: true });
    sweepUntil(states, 0, 3 * SILENT, 1_000, (state) => state.busy);
    expect(states.size).toBe(1);
    held.busy = false;
    sweepUntil(states, 3 * SILENT, 5 * SILENT, 1_000, (state) => state.busy);
    expect(states.size).toBe(0);
  });

  it('looks at a slice of the states per sweep, in proportion to the time passed, never all of them each tick', () => {
    const states = new SensorStates<number>();
    for (let i = 0; i < 10_000; i++) states.add('s', `sensor${i}`, 0, i);
    let looked = 0;
    const keep = () => {
      looked += 1;
      return true;
    };
    // Ticks of 250 ms while none is silent yet: none is asked about.
    sweepUntil(states, 250, SILENT - 250, 250, keep);
    expect(looked).toBe(0);
    // Each state is looked at four times per silent time: one tick looks at 10,000 × 250 / (SILENT / 4) ≈ 17.
    states.forgetSilent(SILENT, SILENT, keep);
    expect(looked).toBeGreaterThan(0);
    expect(looked).toBeLessThan(20);
    // Over one more silent time, about four looks at each.
    looked = 0;
    sweepUntil(states, SILENT + 250, 2 * SILENT, 250, keep);
    expect(looked).toBeGreaterThan(39_900);
    expect(looked).toBeLessThan(40_100);
    // A jump of days: one look at each, not more.
    looked = 0;
    states.forgetSilent(100 * SILENT, SILENT, keep);
    expect(looked).toBe(10_000);
  });

  it('measures silence across a step of the wall clock as if it had been right all along', () => {
    const states = new SensorStates<number>();
    states.add('s', 'a', 0, 1);
    states.forgetSilent(MINUTE, SILENT);
    // NTP synchronises: the clock jumps 3 days ahead, one minute after the reading.
    const step = 3 * 24 * 60 * MINUTE;
    states.clockStepped(step);
    sweepUntil(states, step + MINUTE, step + 5 * MINUTE, 1_000);
    expect(states.size).toBe(1);
    sweepUntil(states, step + 5 * MINUTE, step + 2 * SILENT, 1_000);
    expect(states.size).toBe(0);
  });

  it('counts the silence of a state restored without a time from the first sweep after it', () => {
    const states = new SensorStates<number>();
    states.add('s', 'restored', Number.NaN, 1);
    sweepUntil(states, 1_000_000, 1_000_000 + SILENT / 2, 1_000);
    expect(states.size).toBe(1);
    sweepUntil(states, 1_000_000 + SILENT / 2, 1_000_000 + 2 * SILENT, 1_000);
    expect(states.size).toBe(0);
  });
});
