import { describe, expect, it } from 'vitest';
import type { Reading } from '../reading.js';
import type { AlertResult } from '../rule-result.js';
import { AlertTracker, type AlertRuleSpec, type ForgottenAlert } from './alert-tracker.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SILENT = 10 * MINUTE;
const reading = (sensor: string, timestamp: number, value: number): Reading => ({ source: 'zigbee', sensor, timestamp, value, tags: {} });
const hot: AlertRuleSpec = {
  rule: 'too_hot',
  detector: { kind: 'threshold', above: 30, clear_below: 28 },
  lifecycle: { for: 0, keep_firing_for: 0, cooldown: HOUR },
  severity: 'warning',
};

/** The engine's ticks every 10 s from `from` to `to`: what time brings, then forgetting, as the rule runs them. */
function tickUntil(tracker: AlertTracker, from: number, to: number, forgotten: ForgottenAlert[] = []): AlertResult[] {
  const results: AlertResult[] = [];
  for (let now = from; now <= to; now += 10_000) {
    results.push(...tracker.tick(now));
    tracker.forgetSilent(now, SILENT, (alert) => forgotten.push(alert));
  }
  return results;
}

describe('alert tracker forgetting silent sensors', () => {
  it('forgets a sensor whose alert resolved once it is silent, says so once, and forgets one that never alerted quietly', () => {
    const tracker = new AlertTracker(hot);
    tracker.observe(reading('plug-1/temperature', 0, 31));
    tracker.observe(reading('plug-1/temperature', MINUTE, 25));
    tracker.observe(reading('plug-2/temperature', MINUTE, 20));
    expect(tracker.trackedSensors).toBe(2);
    const forgotten: ForgottenAlert[] = [];
    expect(tickUntil(tracker, MINUTE, MINUTE + 1.3 * SILENT, forgotten)).toEqual([]);
    expect(tracker.trackedSensors).toBe(0);
    expect(forgotten).toEqual([{ rule: 'too_hot', source: 'zigbee', sensor: 'plug-1/temperature', severity: 'warning' }]);
    expect(tracker.exportState().alerts).toEqual([]);
  });

  it('starts a returning sensor afresh: its cooldown is gone with it', () => {
    const tracker = new AlertTracker(hot);
    tracker.observe(reading('plug-1/temperature', 0, 31));
    tracker.observe(reading('plug-1/temperature', MINUTE, 25));
    tickUntil(tracker, MINUTE, MINUTE + 1.3 * SILENT);
    // Within the hour of cooldown, but a new sensor now: it fires at once.
    expect(tracker.observe(reading('plug-1/temperature', 20 * MINUTE, 32))).toMatchObject({ state: 'firing', previous: 'inactive' });
  });

  it('keeps a firing alert through any silence, and resolves it when its sensor comes back normal', () => {
    const tracker = new AlertTracker(hot);
    expect(tracker.observe(reading('plug-1/temperature', 0, 35))).toMatchObject({ state: 'firing' });
    const forgotten: ForgottenAlert[] = [];
    tickUntil(tracker, 0, 3 * HOUR, forgotten);
    expect(tracker.trackedSensors).toBe(1);
    expect(forgotten).toEqual([]);
    expect(tracker.exportState().alerts.map((alert) => alert.lifecycle.state)).toEqual(['firing']);
    expect(tracker.observe(reading('plug-1/temperature', 3 * HOUR, 20))).toMatchObject({ state: 'resolved', previous: 'firing' });
  });

  it('keeps a missing sensor firing until it comes back, however long it is silent', () => {
    const tracker = new AlertTracker({ ...hot, rule: 'deadman', detector: { kind: 'missing', after: 5 * MINUTE }, lifecycle: { for: 0, keep_firing_for: 0, cooldown: 0 } });
    tracker.observe(reading('plug-1/power', 0, 10));
    const results = tickUntil(tracker, 0, 24 * HOUR);
    expect(results.map((alert) => alert.state)).toEqual(['firing']);
    expect(tracker.trackedSensors).toBe(1);
    expect(tracker.observe(reading('plug-1/power', 24 * HOUR, 10))).toMatchObject({ state: 'resolved' });
  });

  it('lets a missing detector whose limit is longer than the silent time report the silence before the sensor is forgotten', () => {
    const tracker = new AlertTracker({ ...hot, rule: 'deadman', detector: { kind: 'missing', after: HOUR }, lifecycle: { for: 5 * MINUTE, keep_firing_for: 0, cooldown: 0 } });
    tracker.observe(reading('plug-1/power', 0, 10));
    const results = tickUntil(tracker, 0, 3 * HOUR);
    expect(results.map((alert) => [alert.state, alert.timestamp > HOUR])).toEqual([
      ['pending', true],
      ['firing', true],
    ]);
    expect(tracker.trackedSensors).toBe(1);
  });

  it('counts the silence of a resolved alert restored after a restart from the first tick, and keeps a restored firing one', () => {
    const before = new AlertTracker(hot);
    before.observe(reading('plug-1/temperature', 0, 31));
    before.observe(reading('plug-1/temperature', MINUTE, 25));
    before.observe(reading('plug-2/temperature', MINUTE, 31));
    const after = new AlertTracker(hot);
    after.importState(before.exportState());
    const restart = 2 * HOUR;
    tickUntil(after, restart, restart + SILENT / 2);
    expect(after.trackedSensors).toBe(2);
    const forgotten: ForgottenAlert[] = [];
    tickUntil(after, restart + SILENT / 2, restart + 2 * SILENT, forgotten);
    expect(forgotten.map((alert) => alert.sensor)).toEqual(['plug-1/temperature']);
    expect(after.exportState().alerts.map((alert) => [alert.sensor, alert.lifecycle.state])).toEqual([['plug-2/temperature', 'firing']]);
  });
});
