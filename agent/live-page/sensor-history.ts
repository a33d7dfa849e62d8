import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/** A chart wants a point per pixel at most: longer series are averaged into this many buckets. */
export const MAX_CHART_POINTS = 720;

/** What the local history holds of one sensor over a time range, for the live page. */
export interface SensorHistory {
  /** Whether raw readings are kept (`history.readings` above 0s); when not, the page charts what arrives live. */
  readonly readings_kept: boolean;
  /** `[time ms, value]`, oldest first, averaged down to at most MAX_CHART_POINTS. */
  readonly points: [number, number][];
  /** The newest raw readings, newest last. */
  readonly raw: { time: number; value: number }[];
  /** Results of rules for this sensor (windows, alert transitions), newest last. */
  readonly results: Record<string, unknown>[];
}

export interface SensorHistoryQuery {
  readonly source: string;
  readonly sensor: string;
  readonly from: number;
  readonly to: number;
  /** How many raw readings and results to return at most. */
  readonly newest: number;
}

/**
 * Reads one sensor's readings and results from the history file, read-only beside the agent that writes it (WAL).
 * Rows reach the file every `history.flush_interval`; the page adds what arrives live.
 */
export function readSensorHistory(file: string, keepsReadings: boolean, query: SensorHistoryQuery): SensorHistory {
  if (!existsSync(file)) return { readings_kept: keepsReadings, points: [], raw: [], results: [] };
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const { source, sensor, from, to, newest } = query;
    const readings = db
      .prepare<[number, number, string, string], { time: number; value: number }>(
        'SELECT time, value FROM readings WHERE time >= ? AND time < ? AND sensor = ? AND source = ? ORDER BY time',
      )
      .all(from, to, sensor, source);
    const results = db
      .prepare<[number, number, string, string, number], { payload: string }>(
        'SELECT payload FROM results WHERE time >= ? AND time < ? AND sensor = ? AND source = ? ORDER BY time DESC, rowid DESC LIMIT ?',
      )
      .all(from, to, sensor, source, newest)
      .map((row) => JSON.parse(row.payload) as Record<string, unknown>)
      .reverse();
    return { readings_kept: keepsReadings, points: averaged(readings, from, to, MAX_CHART_POINTS), raw: readings.slice(-newest), results };
  } finally {
    db.close();
  }
}

/** Every matching sensor's readings over a range, averaged to `maxPoints` each: the page's small charts, in one scan. */
export function readChartHistory(
  file: string,
  matches: (sensor: string) => boolean,
  from: number,
  to: number,
  maxPoints: number,
): { source: string; sensor: string; points: [number, number][] }[] {
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const bySensor = new Map<string, { source: string; sensor: string; rows: { time: number; value: number }[] }>();
    const statement = db.prepare<[number, number], { time: number; source: string; sensor: string; value: number }>(
      'SELECT time, source, sensor, value FROM readings WHERE time >= ? AND time < ? ORDER BY time',
    );
    for (const row of statement.iterate(from, to)) {
      if (!matches(row.sensor)) continue;
      const key = `${row.source}\u0000${row.sensor}`;
      let entry = bySensor.get(key);
      if (entry === undefined) bySensor.set(key, (entry = { source: row.source, sensor: row.sensor, rows: [] }));
      entry.rows.push({ time: row.time, value: row.value });
    }
    return [...bySensor.values()].map(({ source, sensor, rows }) => ({ source, sensor, points: averaged(rows, from, to, maxPoints) }));
  } finally {
    db.close();
  }
}

/** Averages readings into `maxPoints` equal time buckets when there are more of them than that. */
export function averaged(readings: readonly { time: number; value: number }[], from: number, to: number, maxPoints: number): [number, number][] {
  if (readings.length <= maxPoints) return readings.map((row) => [row.time, row.value]);
  const width = (to - from) / maxPoints;
  const points: [number, number][] = [];
  let bucket = -1;
  let sum = 0;
  let timeSum = 0;
  let count = 0;
  const flush = () => {
    if (count > 0) points.push([Math.round(timeSum / count), sum / count]);
  };
  for (const row of readings) {
    const index = Math.floor((row.time - from) / width);
    if (index !== bucket) {
      flush();
      bucket = index;
      sum = 0;
      timeSum = 0;
      count = 0;
    }
    sum += row.value;
    timeSum += row.time;
    count++;
  }
  flush();
  return points;
}
