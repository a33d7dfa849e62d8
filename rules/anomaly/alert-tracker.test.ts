import { describe, expect, it } from 'vitest';
import type { Reading } from '../reading.js';
import type { AlertResult } from '../rule-result.js';
import { AlertTracker, type AlertRuleSpec } from './alert-tracker.js';

const MINUTE = 60_000;
const reading = (sensor: string, timestamp: number, value: number): Reading => ({
  source: 'greenhouse',
  sensor,
  timestamp,
  value,
  tags: { room: 'north' },
});
const hot: AlertRuleSpec = {
  rule: 'too_hot',
  detector: { kind: 'threshold', above: 30, clear_below: 28 },
  lifecycle: { for: 5 * MINUTE, keep_firing_for: 0, cooldown: 0 },
  severity: 'warning',
  message: '{{sensor}} in {{tags.room}} at {{value}} °C, above {{threshold}} ({{labels.team}})',
  labels: { team: 'growers' },
};

function feed(tracker: AlertTracker, sensor: string, values: [number, number][]): AlertResult[] {
  return values.flatMap(([minute, value]) => tracker.observe(reading(sensor, minute * MINUTE, value)) ?? []);
}

describe('alert tracker', () => {
  it('emits one AlertResult per transition, with the rendered message, labels and episode start', () => {
    const tracker = new AlertTracker(hot);
    const alerts = feed(tracker, 'air', [[0, 25], [1, 31], [2, 31.5], [4, 32], [6, 31.2], [7, 30], [8, 29], [9, 27.5], [10, 26]]);
    expect(alerts.map((alert) => `${alert.previous}>${alert.state}`)).toEqual(['inactive>pending', 'pending>firing', 'firing>resolved']);
    expect(alerts[1]).toEqual({
      kind: 'alert',
      rule: 'too_hot',
      source: 'greenhouse',
      sensor: 'air',
      tags: { room: 'north' },
      timestamp: 6 * MINUTE,
      state: 'firing',
      previous: 'pending',
      detector: 'threshold',
      severity: 'warning',
      value: 31.2,
      message: 'air in north at 31.2 °C, above 30 (growers)',
      since: 1 * MINUTE,
      labels: { team: 'growers' },
    });
    expect(alerts[2]).toMatchObject({ timestamp: 9 * MINUTE, value: 27.5, since: 1 * MINUTE });
  });

  it('reports the reading as value and what the detector compared (a rate) as {{statistic}}', () => {
    const tracker = new AlertTracker({
      rule: 'heating_fast',
      detector: { kind: 'rate', above: 2, per: 'minute', span: 5 * MINUTE },
      lifecycle: { for: 0, keep_firing_for: 0, cooldown: 0 },
      severity: 'info',
    });
    const alerts = feed(tracker, 'air', [[0, 20], [1, 21], [2, 23], [3, 26.5]]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ value: 26.5, message: 'air rising: 2.17 (limit 2)' });
  });

  it('fires on tick once `for` has run out, with the last reading and reason', () => {
    const tracker = new AlertTracker(hot);
    feed(tracker, 'air', [[0, 31.5]]);
    expect(tracker.tick(4 * MINUTE)).toEqual([]);
    const [firing] = tracker.tick(5 * MINUTE);
    expect(firing).toMatchObject({ state: 'firing', previous: 'pending', value: 31.5, timestamp: 5 * MINUTE, since: 0 });
    expect(firing!.message).toBe('air in north at 31.5 °C, above 30 (growers)');
  });

  it('keeps a detector and a lifecycle per sensor', () => {
    const tracker = new AlertTracker({ ...hot, lifecycle: { for: 0, keep_firing_for: 0, cooldown: 0 } });
    expect(feed(tracker, 'air', [[0, 31]])).toHaveLength(1);
    expect(feed(tracker, 'soil', [[0, 20], [1, 29]])).toHaveLength(0);
    expect(feed(tracker, 'air', [[1, 29]])).toHaveLength(0);
  });

  it('after a restart neither re-fires a firing alert nor forgets a pending one', () => {
    const before = new AlertTracker(hot);
    feed(before, 'air', [[0, 31], [6, 31]]);
    feed(before, 'soil', [[0, 31], [2, 31]]);
    const stored = JSON.stringify(before.exportState());

    const after = new AlertTracker(hot);
    after.importState(JSON.parse(stored));
    expect(feed(after, 'air', [[10, 32], [11, 31]])).toEqual([]);
    const soil = feed(after, 'soil', [[4, 31], [5, 31]]);
    expect(soil).toHaveLength(1);
    expect(soil[0]).toMatchObject({ state: 'firing', previous: 'pending', since: 0 });
  });

  it('does not resolve a restored alert while the detector is still learning', () => {
    const spec: AlertRuleSpec = {
      rule: 'odd',
      detector: { kind: 'zscore', threshold: 3, window: { readings: 20 }, min_readings: 10 },
      lifecycle: { for: 0, keep_firing_for: 0, cooldown: 0 },
      severity: 'info',
    };
    const before = new AlertTracker(spec);
    const values: [number, number][] = Array.from({ length: 20 }, (_, minute) => [minute, 20 + (minute % 3) * 0.1]);
    feed(before, 'air', values);
    expect(feed(before, 'air', [[20, 40]]).map((alert) => alert.state)).toEqual(['firing']);
    const after = new AlertTracker(spec);
    after.importState(before.exportState());
    expect(feed(after, 'air', values.map(([minute, value]) => [minute + 21, value]))).toEqual([
      expect.objectContaining({ state: 'resolved', previous: 'firing' }),
    ]);
  });

  it('reports missing data on tick, with a NaN value and the silence limit in seconds', () => {
    const tracker = new AlertTracker({ rule: 'deadman', detector: { kind: 'missing', after: 5 * MINUTE }, lifecycle: hot.lifecycle, severity: 'critical' });
    tracker.observe(reading('air', 0, 20));
    expect(tracker.tick(5 * MINUTE)).toEqual([]);
    const pending = tracker.tick(6 * MINUTE);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ state: 'pending', detector: 'missing', message: 'air: no reading for 300 s' });
    expect(Number.isNaN(pending[0]!.value)).toBe(true);
    expect(tracker.tick(11 * MINUTE).map((alert) => alert.state)).toEqual(['firing']);
    expect(tracker.tick(12 * MINUTE)).toEqual([]);
    expect(tracker.observe(reading('air', 13 * MINUTE, 20))).toMatchObject({ state: 'resolved', message: 'air back to normal: 20' });
  });

  it('rejects stored state it cannot trust with an error that says what to do', () => {
    const tracker = new AlertTracker(hot);
    expect(() => tracker.importState({ version: 2, alerts: [] })).toThrow(/unknown version 2; delete the stored state/);
    expect(() => tracker.importState({ version: 1, alerts: [{ source: 's', sensor: 'x', tags: {}, lifecycle: { state: 'burning' } }] })).toThrow(
      /alerts\[0\]\.lifecycle\.state is burning/,
    );
  });

  it('fails at load time on a bad detector spec or template', () => {
    expect(() => new AlertTracker({ ...hot, detector: { kind: 'threshold', above: 30, clear_below: 35 } })).toThrow(/clear_below/);
    expect(() => new AlertTracker({ ...hot, message: '{{valeu}}' })).toThrow(/unknown placeholder/);
  });
});

describe('alert tracker with the default anomaly detector', () => {
  it('raises one alert for a spike, says why, and resolves it once the detector settles', () => {
    const lifecycle = { for: 0, keep_firing_for: 0, cooldown: 0 };
    const tracker = new AlertTracker({ rule: 'odd', detector: { kind: 'anomaly' }, lifecycle, severity: 'warning' });
    const wave = (minute: number) => 20 + Math.sin(minute / 30) + 0.1 * Math.sin(minute * 7.3);
    const values = Array.from({ length: 600 }, (_, minute): [number, number] => [minute, wave(minute)]);
    expect(feed(tracker, 'air', values)).toEqual([]);
    const after = Array.from({ length: 200 }, (_, index): [number, number] => [600 + index, index === 0 ? 40 : wave(600 + index)]);
    const alerts = feed(tracker, 'air', after);
    expect(alerts.map((alert) => alert.state)).toEqual(['firing', 'resolved']);
    expect(alerts[0]!.timestamp).toBe(600 * MINUTE);
    // Held for `hold` (100) readings after the last surprising one; the spike stays in the pattern for a few more.
    expect(alerts[1]!.timestamp / MINUTE).toBeGreaterThan(700);
    expect(alerts[1]!.timestamp / MINUTE).toBeLessThan(720);
    expect(alerts[0]!.message).toMatch(/^air above normal at 40 \(score \d+\.\d\)$/);
  });
});
