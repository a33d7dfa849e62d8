import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRecording } from '../../bench/group-anomaly/make-recording.js';
import { tributary } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

interface AlertLine {
  kind: string;
  rule: string;
  sensor: string;
  state: string;
  timestamp: number;
  message: string;
}

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

describe('group anomaly through tributary replay, on a simulated pump recording', () => {
  let dir: TempDir;
  let alerts: AlertLine[];
  let labels: { timestamp: number; fault: string }[];
  let stderr: string;

  beforeAll(async () => {
    dir = await makeTempDir('group-replay');
    // 2.5 h of the sample pump: valve_closing at 1 h for 20 min, bearing_wear at 2 h for 15 min.
    const recording = await makeRecording({ seed: 42, hours: 2.5, out: dir.path, start: START });
    labels = readFileSync(recording.labels, 'utf8').trim().split('\n').slice(1).map((line) => {
      const [timestamp, fault] = line.split(',');
      return { timestamp: Number(timestamp), fault: fault ?? '' };
    });
    const config = path.join(dir.path, 'pump.yaml');
    await writeFile(
      config,
      [
        'rules:',
        '  pump_together:',
        '    alert:',
        '      anomaly: { across: [pump/flow, pump/pressure, pump/current, pump/vibration] }',
        '      keep_firing_for: 2m',
        '  pump_each:',
        '    select: [pump/flow, pump/pressure, pump/current, pump/vibration]',
        '    alert:',
        '      anomaly: {}',
        '      keep_firing_for: 2m',
        '',
      ].join('\n'),
    );
    const output = path.join(dir.path, 'alerts.jsonl');
    const result = await tributary('replay', '--config', config, '--input', recording.readings, '--output', output);
    expect(result.code, result.stderr).toBe(0);
    stderr = result.stderr;
    alerts = readFileSync(output, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as AlertLine);
  }, 120_000);

  afterAll(async () => {
    await dir.remove();
  });

  it('replays all 45,000 readings', () => {
    expect(stderr).toMatch(/replayed 45000 readings/);
  });

  it('fires the group alert in both faults and only in them, naming the sensors each fault moved, and resolves after', () => {
    const group = alerts.filter((alert) => alert.rule === 'pump_together');
    const faultAt = (timestamp: number) => labels.find((label) => label.timestamp === timestamp)?.fault ?? '';
    const firing = group.filter((alert) => alert.state === 'firing');
    // The valve once; the worn bearing (the subtler fault) once or twice: its statistic can dip for longer than
    // keep_firing_for in the middle of the fault.
    expect(firing.map((alert) => faultAt(alert.timestamp))).toEqual(['valve_closing', ...firing.slice(1).map(() => 'bearing_wear')]);
    expect(firing.length).toBeLessThanOrEqual(3);
    expect(firing[0]!.message).toMatch(/^pump: relationship broken: pump\/(flow|pressure)/);
    for (const alert of firing.slice(1)) expect(alert.message).toMatch(/^pump: relationship broken: pump\/vibration/);
    expect(group.map((alert) => alert.state)).toEqual(firing.flatMap(() => ['firing', 'resolved']));
    // Each fault's last alert resolves within 5 minutes of the fault's end (smoothing, hysteresis, keep_firing_for).
    const resolvedAfter = (end: number) => group.filter((alert) => alert.state === 'resolved' && alert.timestamp < end + 5 * 60_000).at(-1)!.timestamp - end;
    expect(resolvedAfter(START + HOUR + 20 * 60_000)).toBeGreaterThan(0);
    expect(resolvedAfter(START + 2 * HOUR + 15 * 60_000)).toBeGreaterThan(0);
  });

  it('per-sensor anomaly {} on the same recording fires as often outside the faults as inside them', () => {
    const each = alerts.filter((alert) => alert.rule === 'pump_each' && alert.state === 'firing');
    const inFault = each.filter((alert) => labels.find((label) => label.timestamp === alert.timestamp)?.fault);
    // Faults are 35 of the 150 minutes (23 %): a detector that sees them fires mostly inside; this one does not.
    expect(each.length).toBeGreaterThan(0);
    expect(inFault.length / each.length).toBeLessThan(0.5);
  });
});
