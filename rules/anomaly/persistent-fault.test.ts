import { describe, expect, it } from 'vitest';
import type { AlertResult } from '../rule-result.js';
import { AlertTracker, type AlertRuleSpec, type AlertTrackerSnapshot } from './alert-tracker.js';
import { seededNoise } from '../../test/helpers/seeded-noise.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;


const pumpRule = (lifecycle: Partial<AlertRuleSpec['lifecycle']> = {}): AlertRuleSpec => ({
  rule: 'pump_odd',
  detector: { kind: 'anomaly' },
  lifecycle: { for: 0, keep_firing_for: 0, cooldown: 0, ...lifecycle },
  severity: 'warning',
});

/**
 * A pump's discharge pressure, one reading a minute: 4 bar with a little noise, until a valve closes part-way and it
 * settles at `level` bar. Time is the readings' timestamps: nothing here reads a clock.
 */
class Pump {
  minute = 0;
  private readonly random = seededNoise(11);
  constructor(private readonly tracker: AlertTracker) {}

  /** Runs `minutes` readings around `level`; returns the transitions as `state@minute` (with the resolution). */
  run(minutes: number, level: number, out: AlertResult[] = []): string[] {
    const events: string[] = [];
    for (const end = this.minute + minutes; this.minute < end; this.minute++) {
      const now = this.minute * MINUTE;
      const reading = { source: 'rig', sensor: 'pump/pressure', timestamp: now, value: level + 0.05 * this.random(), tags: {} };
      for (const result of [...this.tracker.tick(now), ...[this.tracker.observe(reading)].filter((r) => r !== undefined)]) {
        out.push(result);
        events.push(`${result.state}${result.resolution ? `(${result.resolution})` : ''}@${this.minute}`);
      }
    }
    return events;
  }
}

describe('a fault that persists stays firing (anomaly: {})', () => {
  it('keeps a shifted level firing for two days, long after the sliding history took it for normal', () => {
    const pump = new Pump(new AlertTracker(pumpRule()));
    expect(pump.run(2 * 1440, 4)).toEqual([]);
    // The valve closes part-way: 3 bar for two days, twice the 1000 readings the detector's history holds.
    const out: AlertResult[] = [];
    expect(pump.run(2 * 1440, 3, out)).toEqual([`firing@${2 * 1440}`]);
    expect(out[0]!.message).toMatch(/^pump\/pressure below normal at (2\.9|3)/);
  });

  it('does not keep a level as a persistent fault before the history was ever full (window, 1000 readings)', () => {
    const pump = new Pump(new AlertTracker(pumpRule()));
    expect(pump.run(500, 4)).toEqual([]);
    // Half a window of 4 bar is all the detector knows: 3 bar may be a normal it has not seen yet.
    const events = pump.run(1440, 3);
    expect(events).toHaveLength(2);
    expect(events[0]).toBe('firing@500');
    // Resolved `hold` (100) readings after its last finding (the step's pattern stays new for a few readings).
    expect(events[1]).toMatch(/^resolved@6[0-4]\d$/);
  });

  it('resolves once the readings are back inside the band they kept before the alert, after `hold` readings', () => {
    const pump = new Pump(new AlertTracker(pumpRule()));
    pump.run(2 * 1440, 4);
    pump.run(1440, 3);
    const back = pump.minute;
    const events = pump.run(1440, 4);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^resolved@\d+$/);
    // `hold` (100 readings) after the last odd reading: the level back is no news, the step back is an unusual
    // pattern for up to `pattern` (12) readings.
    expect(Number(events[0]!.split('@')[1]) - back).toBeLessThanOrEqual(100 + 12 + 1);
  });

  it('keeps a persistent fault firing across a restart, until the readings are back inside the band kept before it', () => {
    const before = new AlertTracker(pumpRule());
    const pump = new Pump(before);
    pump.run(2 * 1440, 4);
    expect(pump.run(60, 3)).toEqual([`firing@${2 * 1440}`]);
    // The agent stops and starts: the alert state goes through JSON (alert-state.sqlite), the detector starts empty.
    const saved = JSON.parse(JSON.stringify(before.exportState())) as AlertTrackerSnapshot;
    const after = new AlertTracker(pumpRule());
    after.importState(saved);
    const restarted = new Pump(after);
    restarted.minute = pump.minute;
    // A day at 3 bar: far more than min_readings (100), and the whole window (1000): the relearnt history knows only
    // the fault's level, and the alert still fires.
    expect(restarted.run(1440, 3)).toEqual([]);
    expect(after.liveAlerts()).toMatchObject([{ sensor: 'pump/pressure', state: 'firing', since: 2 * 1440 * MINUTE }]);
    const back = restarted.minute;
    // Back to 4 bar for a day: resolved `hold` readings after the last odd one, and no page for the return itself.
    const events = restarted.run(1440, 4);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^resolved@\d+$/);
    expect(Number(events[0]!.split('@')[1]) - back).toBeLessThanOrEqual(100 + 12 + 1);
    // What was saved: the band of 4 bar from before the fault, beside the lifecycle.
    expect(saved.alerts[0]!.detector).toEqual({ bandLow: expect.closeTo(3.95, 1), bandHigh: expect.closeTo(4.05, 1) });
  });

  it('refuses a saved episode that is not a band', () => {
    const tracker = new AlertTracker(pumpRule());
    const lifecycle = { state: 'firing', since: 0, lastActiveAt: 0, resolvedAt: null, firings: [0], firedAt: 0 };
    const entry = { source: 'rig', sensor: 'pump/pressure', tags: {}, lifecycle };
    expect(() => tracker.importState({ version: 1, alerts: [{ ...entry, detector: { bandLow: '3' } }] })).toThrow(/alerts\[0\]\.detector is not an object of numbers/);
    expect(() => new AlertTracker(pumpRule()).importState({ version: 1, alerts: [{ ...entry, detector: { bandLow: 5, bandHigh: 3 } }] })).toThrow(
      /anomaly: a saved episode needs finite bandLow <= bandHigh/,
    );
  });

  it('resolves an acknowledged alert at once and does not page again while the level stays where it was accepted', () => {
    const tracker = new AlertTracker(pumpRule());
    const pump = new Pump(tracker);
    pump.run(2 * 1440, 4);
    pump.run(30, 3);
    const ack = tracker.acknowledge('pump/pressure', undefined, pump.minute * MINUTE);
    expect(ack).toMatchObject({
      ok: true,
      result: { state: 'resolved', previous: 'firing', resolution: 'acknowledged', since: 2 * 1440 * MINUTE, timestamp: pump.minute * MINUTE },
    });
    expect(ack.ok && ack.result.message).toMatch(/^pump\/pressure acknowledged at (2\.9|3)/);
    expect(pump.run(2 * 1440, 3)).toEqual([]);
    // It is armed again: the next fault, from the level accepted, pages.
    expect(pump.run(60, 2)).toEqual([`firing@${2 * 1440 + 30 + 2 * 1440}`]);
  });

  it('with learn_new_normal_after, takes the level as normal that long after firing, and stays quiet on it', () => {
    const pump = new Pump(new AlertTracker(pumpRule({ learn_new_normal_after: 6 * HOUR })));
    pump.run(2 * 1440, 4);
    const out: AlertResult[] = [];
    const start = 2 * 1440;
    expect(pump.run(2 * 1440, 3, out)).toEqual([`firing@${start}`, `resolved(new normal)@${start + 6 * 60}`]);
    expect(out[1]!.message).toMatch(/^pump\/pressure at (2\.9\d*|3(\.0\d*)?) taken as the new normal$/);
  });

  it('says why an acknowledgement found nothing to acknowledge', () => {
    const tracker = new AlertTracker(pumpRule());
    const pump = new Pump(tracker);
    pump.run(200, 4);
    expect(tracker.acknowledge('pump/flow', undefined, 200 * MINUTE)).toMatchObject({ ok: false, reason: 'unknown sensor' });
    expect(tracker.acknowledge('pump/pressure', 'other', 200 * MINUTE)).toMatchObject({ ok: false, reason: 'unknown sensor' });
    expect(tracker.acknowledge('pump/pressure', undefined, 200 * MINUTE)).toMatchObject({
      ok: false,
      reason: 'not firing',
      message: 'the alert of rule pump_odd for pump/pressure is inactive, not firing: nothing to acknowledge',
    });
  });

  it('keeps an acknowledgement across a restart: the same condition does not page again', () => {
    const hot: AlertRuleSpec = {
      rule: 'too_hot',
      detector: { kind: 'threshold', above: 30, clear_below: 28 },
      lifecycle: { for: 0, keep_firing_for: 0, cooldown: 0 },
      severity: 'critical',
    };
    const reading = (minute: number, value: number) => ({ source: 'gh', sensor: 'air', timestamp: minute * MINUTE, value, tags: {} });
    const before = new AlertTracker(hot);
    expect(before.observe(reading(0, 31))).toMatchObject({ state: 'firing' });
    expect(before.acknowledge('air', 'gh', MINUTE)).toMatchObject({ ok: true, result: { resolution: 'acknowledged' } });
    expect(before.liveAlerts()).toEqual([{ rule: 'too_hot', source: 'gh', sensor: 'air', state: 'resolved', resolution: 'acknowledged', severity: 'critical', since: 0 }]);

    const after = new AlertTracker(hot);
    after.importState(JSON.parse(JSON.stringify(before.exportState())));
    expect([2, 3, 4].map((minute) => after.observe(reading(minute, 32)))).toEqual([undefined, undefined, undefined]);
    expect(after.observe(reading(5, 27))).toBeUndefined();
    expect(after.observe(reading(6, 31))).toMatchObject({ state: 'firing', previous: 'resolved' });
    // Listed as acknowledged until the next episode.
    expect(after.liveAlerts()).toEqual([{ rule: 'too_hot', source: 'gh', sensor: 'air', state: 'firing', severity: 'critical', since: 6 * MINUTE }]);
  });
});
