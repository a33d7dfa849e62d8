import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HISTORY_SCHEMA } from '../history/local-history.js';
import { makeTempDirSync, type TempDir } from '../../test/helpers/temp-dir.js';
import { MAX_CHART_POINTS, readAlertTransitions, readChartHistory, readSensorHistory } from './sensor-history.js';
import { AlertTransitions } from './alert-transitions.js';
import { PipelineTap } from '../health/pipeline-tap.js';

describe("a sensor's hour from the local history", () => {
  let dir: TempDir;
  let file: string;
  const now = 1_800_000_000_000;
  beforeEach(() => {
    dir = makeTempDirSync('sensor-history');
    file = path.join(dir.path, 'history.sqlite');
    const db = new Database(file);
    db.exec(HISTORY_SCHEMA);
    const reading = db.prepare('INSERT INTO readings (time, source, sensor, value, tags) VALUES (?, ?, ?, ?, NULL)');
    db.transaction(() => {
      for (let t = now - 3600_000; t < now; t += 1000) {
        reading.run(t, 'site', 'room/temp', 20);
        reading.run(t, 'site', 'room/humidity', 50);
        reading.run(t, 'other', 'room/temp', 99);
      }
    })();
    db.prepare('INSERT INTO results (time, end_time, kind, rule, source, sensor, payload) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      now - 10_000,
      now,
      'window',
      'room_10s',
      'site',
      'room/temp',
      JSON.stringify({ kind: 'window', rule: 'room_10s', start: now - 10_000, end: now, values: { mean: 20 } }),
    );
    db.close();
  });
  afterEach(() => dir.removeSync());

  it('averages an hour at 1 Hz down to the chart points, one sensor of one source, with its results and newest raw readings', () => {
    const history = readSensorHistory(file, true, { source: 'site', sensor: 'room/temp', from: now - 3600_000, to: now, newest: 5 });
    expect(history.points.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
    expect(history.points.length).toBeGreaterThan(MAX_CHART_POINTS - 2);
    expect(history.points.every(([, value]) => value === 20)).toBe(true);
    expect(history.raw.map((row) => row.time)).toEqual([4, 3, 2, 1, 0].map((back) => now - 1000 - back * 1000));
    expect(history.results).toEqual([expect.objectContaining({ rule: 'room_10s', values: { mean: 20 } })]);
  });

  it('reads every matching sensor in one scan for the small charts', () => {
    const charts = readChartHistory(file, (sensor) => sensor.startsWith('room/'), now - 3600_000, now, 180);
    expect(charts.map((chart) => `${chart.source}:${chart.sensor}`).sort()).toEqual(['other:room/temp', 'site:room/humidity', 'site:room/temp']);
    for (const chart of charts) expect(chart.points.length).toBeLessThanOrEqual(180);
  });

  it('keeps a sparse series as it is, and answers empty when there is no history file', () => {
    const sparse = readChartHistory(file, () => true, now - 3000, now, 180);
    expect(sparse.find((chart) => chart.source === 'site' && chart.sensor === 'room/temp')!.points).toEqual([
      [now - 3000, 20],
      [now - 2000, 20],
      [now - 1000, 20],
    ]);
    expect(readSensorHistory(path.join(dir.path, 'none.sqlite'), false, { source: 's', sensor: 'x', from: 0, to: 1, newest: 5 })).toEqual({ readings_kept: false, points: [], raw: [], results: [] });
  });

  it('lists the alert transitions kept before a restart, and the page starts from them', () => {
    const db = new Database(file);
    const insert = db.prepare('INSERT INTO results (time, end_time, kind, rule, source, sensor, payload) VALUES (?, NULL, ?, ?, ?, ?, ?)');
    const transition = (time: number, state: string) =>
      insert.run(time, 'alert', 'too_hot', 'site', 'room/temp', JSON.stringify({ kind: 'alert', rule: 'too_hot', source: 'site', sensor: 'room/temp', timestamp: time, state, message: `${state} at ${time}` }));
    transition(now - 2 * 86_400_000, 'firing');
    transition(now - 60_000, 'firing');
    transition(now - 30_000, 'resolved');
    db.close();
    const earlier = readAlertTransitions(file, now - 86_400_000, 500);
    expect(earlier.map((t) => t.state)).toEqual(['firing', 'resolved']);
    const tap = new PipelineTap();
    const transitions = new AlertTransitions(tap, () => now, earlier);
    expect(transitions.list().map((t) => t.timestamp)).toEqual([now - 60_000, now - 30_000]);
    expect(transitions.messageOf('too_hot', 'site', 'room/temp')).toBe(`resolved at ${now - 30_000}`);
    expect(readAlertTransitions(path.join(dir.path, 'none.sqlite'), 0, 5)).toEqual([]);
  });
});
