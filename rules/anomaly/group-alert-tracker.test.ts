import { describe, expect, it } from 'vitest';
import { NO_DELAYS } from './alert-lifecycle.js';
import { GROUP_DEFAULTS } from './group-anomaly.js';
import { GroupAlertTracker, type GroupAlertRuleSpec } from './group-alert-tracker.js';
import { pumpOptions, pumpRounds } from '../../test/helpers/pump-recording.js';
import type { Reading } from '../reading.js';
import type { AlertResult } from '../rule-result.js';

const HOUR = 3600;
const MINUTE = 60_000;

function tracker(across: string[], extra: Partial<GroupAlertRuleSpec> = {}): GroupAlertTracker {
  return new GroupAlertTracker({
    rule: 'pump_together',
    detector: { kind: 'anomaly' },
    lifecycle: { ...NO_DELAYS, keep_firing_for: 2 * MINUTE },
    severity: 'warning',
    group: { ...GROUP_DEFAULTS, across },
    ...extra,
  });
}

/** Feeds the sample pump's rounds (renamed by `rename`) and ticks once a second; returns every transition. */
function run(alerts: GroupAlertTracker, seconds: number, rename: (reading: Reading) => Reading[] = (reading) => [reading], seed?: number): AlertResult[] {
  const results: AlertResult[] = [];
  for (const { readings } of pumpRounds(pumpOptions(seed), 0, seconds)) {
    for (const reading of readings.flatMap(rename)) {
      const result = alerts.observe(reading);
      if (result) results.push(result);
    }
    results.push(...alerts.tick(readings[0]!.timestamp));
  }
  return results;
}

describe('group alerts (one alert per group through the alert lifecycle)', () => {
  it('fires once for the valve closing, names the sensors, and resolves after it opens again', () => {
    const alerts = tracker(['pump/flow', 'pump/pressure', 'pump/current', 'pump/vibration']);
    const results = run(alerts, HOUR + 1800);
    expect(results.map((result) => `${result.previous}>${result.state}`)).toEqual(['inactive>firing', 'firing>resolved']);
    const [fired, resolved] = results;
    expect(fired).toMatchObject({ kind: 'alert', rule: 'pump_together', source: 'pump', sensor: 'pump', detector: 'anomaly', severity: 'warning' });
    expect(fired!.timestamp).toBeGreaterThan(HOUR * 1000);
    expect(fired!.timestamp).toBeLessThan((HOUR + 120) * 1000);
    // At the onset, early in the valve's ramp: flow and pressure lead (current follows once the ramp is further on).
    expect(fired!.message).toMatch(/^pump: relationship broken: pump\/(flow|pressure) \d+%, pump\/(flow|pressure) \d+%, pump\/\w+ \d+% \(score \d+\.\d\)$/);
    expect(fired!.value).toBeGreaterThan(1);
    // The valve opens again at 1 h 20 min; the smoothed statistic falls under its quantile, then keep_firing_for.
    expect(resolved!.timestamp).toBeGreaterThan((HOUR + 1200) * 1000);
    expect(resolved!.timestamp).toBeLessThan((HOUR + 1200 + 300) * 1000);
    expect(resolved!.message).toBe('pump: sensors move together as learnt again');
  });

  it('keeps one group per device when across names last levels: only the faulty pump alerts', () => {
    const alerts = tracker(['flow', 'pressure', 'current', 'vibration']);
    const clean = [...pumpRounds({ ...pumpOptions(9), faults: [] }, 0, HOUR + 600)];
    let second = 0;
    const results = run(alerts, HOUR + 600, (reading) => {
      // pump1 is the sample pump with its faults; pump2 another pump (seed 9) without.
      const twin = clean[Math.floor(reading.timestamp / 1000)]!.readings.find((other) => other.sensor === reading.sensor)!;
      second += 1;
      return [{ ...reading, sensor: reading.sensor.replace('pump/', 'pump1/') }, { ...twin, sensor: twin.sensor.replace('pump/', 'pump2/') }];
    });
    expect(second).toBeGreaterThan(0);
    expect(alerts.trackedSensors).toBe(2);
    expect(results.map((result) => `${result.sensor} ${result.state}`)).toEqual(['pump1 firing']);
    expect(results[0]!.message).toContain('pump1/flow');
  });

  it('keeps one group per tag value with by_tag, names the sensors as they came, and leaves out readings without the tag', () => {
    const alerts = new GroupAlertTracker({
      rule: 'pumps',
      detector: { kind: 'anomaly' },
      lifecycle: { ...NO_DELAYS, keep_firing_for: 2 * MINUTE },
      severity: 'warning',
      group: { ...GROUP_DEFAULTS, across: ['flow', 'pressure', 'current', 'vibration'], by_tag: 'device' },
    });
    const clean = [...pumpRounds({ ...pumpOptions(9), faults: [] }, 0, HOUR + 600)];
    const results = run(alerts, HOUR + 600, (reading): Reading[] => {
      const twin = clean[Math.floor(reading.timestamp / 1000)]!.readings.find((other) => other.sensor === reading.sensor)!;
      // Both pumps send the same sensor names; only the tag tells them apart. An untagged reading joins no group.
      const level = reading.sensor.replace('pump/', 'line/');
      return [
        { ...reading, sensor: level, tags: { device: 'north' } },
        { ...twin, sensor: level, tags: { device: 'south' } },
        { ...twin, sensor: level, tags: {} },
      ];
    });
    expect(alerts.trackedSensors).toBe(2);
    expect(results.map((result) => `${result.sensor} ${result.state}`)).toEqual(['north firing']);
    expect(results[0]!.message).toMatch(/^north: relationship broken: line\/(flow|pressure)/);
  });

  it('holds `for:` pending before firing, and lists the group in liveAlerts', () => {
    const alerts = tracker(['pump/flow', 'pump/pressure', 'pump/current', 'pump/vibration'], { lifecycle: { ...NO_DELAYS, for: 60_000 } });
    const results = run(alerts, HOUR + 300);
    expect(results.map((result) => result.state)).toEqual(['pending', 'firing']);
    expect(results[1]!.timestamp - results[0]!.timestamp).toBe(60_000);
    expect(alerts.liveAlerts()).toEqual([expect.objectContaining({ rule: 'pump_together', source: 'pump', sensor: 'pump', state: 'firing' })]);
  });

  it('is acknowledged by group name, relearns, and does not page again for the same fault', () => {
    const alerts = tracker(['pump/flow', 'pump/pressure', 'pump/current', 'pump/vibration']);
    run(alerts, HOUR + 300);
    expect(alerts.acknowledge('pump/flow', undefined, (HOUR + 300) * 1000)).toMatchObject({ ok: false, reason: 'unknown sensor' });
    const outcome = alerts.acknowledge('pump', 'pump', (HOUR + 300) * 1000);
    expect(outcome).toMatchObject({ ok: true, result: { state: 'resolved', resolution: 'acknowledged', sensor: 'pump' } });
    expect(alerts.detectorOf('pump', 'pump')!.learnt).toBe(false);
  });

  it('exports a firing group alert and, after a restart, carries on firing without a new transition', () => {
    const before = tracker(['pump/flow', 'pump/pressure', 'pump/current', 'pump/vibration']);
    run(before, HOUR + 300);
    const saved = JSON.parse(JSON.stringify(before.exportState())) as unknown;
    expect(saved).toMatchObject({ version: 1, alerts: [{ source: 'pump', sensor: 'pump', lifecycle: { state: 'firing' } }] });
    const after = tracker(['pump/flow', 'pump/pressure', 'pump/current', 'pump/vibration']);
    after.importState(saved);
    expect(after.liveAlerts()).toEqual([expect.objectContaining({ sensor: 'pump', state: 'firing' })]);
    expect(() => after.importState({ version: 2 })).toThrow('delete the stored state');
  });

  it('ignores readings of sensors outside the group', () => {
    const alerts = tracker(['pump/flow', 'pump/pressure']);
    expect(alerts.observe({ source: 'pump', sensor: 'pump/speed', value: 1, timestamp: 0, tags: {} })).toBeUndefined();
    expect(alerts.trackedSensors).toBe(0);
  });

  it('refuses across mixing full names and last levels', () => {
    expect(() => tracker(['pump/flow', 'pressure'])).toThrow('across: write every sensor as a full name');
  });
});
