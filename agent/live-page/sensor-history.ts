import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { AlertResult } from '../../rules/rule-result.js';
import { limitPageCache } from '../sqlite-page-cache.js';

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
  const db = openForReading(file);
  try {
    const { source, sensor, from, to, newest } = query;
    const width = bucketWidth(from, to, MAX_CHART_POINTS);
    const points = db
      .prepare<{ from: number; width: number; to: number; sensor: string; source: string }, { time: number; value: number }>(
        `SELECT AVG(time) AS time, AVG(value) AS value FROM readings
         WHERE time >= @from AND time < @to AND sensor = @sensor AND source = @source
         GROUP BY CAST((time - @from) / @width AS INTEGER) ORDER BY 1`,
      )
      .all({ from, width, to, sensor, source })
      .map((row): [number, number] => [Math.round(row.time), row.value]);
    const raw = db
      .prepare<[number, number, string, string, number], { time: number; value: number }>(
        'SELECT time, value FROM readings WHERE time >= ? AND time < ? AND sensor = ? AND source = ? ORDER BY time DESC, rowid DESC LIMIT ?',
      )
      .all(from, to, sensor, source, newest)
      .reverse();
    const results = db
      .prepare<[number, number, string, string, number], { payload: string }>(
        'SELECT payload FROM results WHERE time >= ? AND time < ? AND sensor = ? AND source = ? ORDER BY time DESC, rowid DESC LIMIT ?',
      )
      .all(from, to, sensor, source, newest)
      .map((row) => JSON.parse(row.payload) as Record<string, unknown>)
      .reverse();
    return { readings_kept: keepsReadings, points, raw, results };
  } finally {
    db.close();
  }
}

/**
 * Every matching sensor's readings over a range, averaged to at most `maxPoints` each: the page's small charts. SQLite
 * averages them (one scan, grouped by time bucket), so an hour of many sensors never becomes objects in the heap.
 */
export function readChartHistory(
  file: string,
  matches: (sensor: string) => boolean,
  from: number,
  to: number,
  maxPoints: number,
): { source: string; sensor: string; points: [number, number][] }[] {
  if (!existsSync(file)) return [];
  const db = openForReading(file);
  try {
    const bySensor = new Map<string, { source: string; sensor: string; points: [number, number][] }>();
    const statement = db.prepare<{ from: number; width: number; to: number }, { source: string; sensor: string; time: number; value: number }>(
      `SELECT source, sensor, AVG(time) AS time, AVG(value) AS value FROM readings WHERE time >= @from AND time < @to
       GROUP BY source, sensor, CAST((time - @from) / @width AS INTEGER) ORDER BY source, sensor, 3`,
    );
    for (const row of statement.iterate({ from, width: bucketWidth(from, to, maxPoints), to })) {
      if (!matches(row.sensor)) continue;
      const key = `${row.source}\u0000${row.sensor}`;
      let entry = bySensor.get(key);
      if (entry === undefined) bySensor.set(key, (entry = { source: row.source, sensor: row.sensor, points: [] }));
      entry.points.push([Math.round(row.time), row.value]);
    }
    return [...bySensor.values()];
  } finally {
    db.close();
  }
}

/**
 * A read-only connection beside the agent that writes the file (WAL), with a reader's small page cache: each of the
 * page's queries reads a range once (an hour of 20 sensors, 72,000 rows: 41-70 ms with 256 KB or 16 MB).
 */
function openForReading(file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  limitPageCache(db, 'reader');
  return db;
}

/** Milliseconds per bucket: at most `maxPoints` buckets over the range (SQLite truncates each quotient to its bucket). */
function bucketWidth(from: number, to: number, maxPoints: number): number {
  return Math.max(1, Math.ceil((to - from) / maxPoints));
}

/** Alert transitions kept in the history since `from`, oldest first, at most `limit` (the newest). */
export function readAlertTransitions(file: string, from: number, limit: number): AlertResult[] {
  if (!existsSync(file)) return [];
  const db = openForReading(file);
  try {
    return db
      .prepare<[number, number], { payload: string }>("SELECT payload FROM results WHERE kind = 'alert' AND time >= ? ORDER BY time DESC, rowid DESC LIMIT ?")
      .all(from, limit)
      .map((row) => JSON.parse(row.payload) as AlertResult)
      .reverse();
  } finally {
    db.close();
  }
}
