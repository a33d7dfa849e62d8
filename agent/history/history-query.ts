import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { compileSensorGlob } from '../../rules/select/sensor-glob.js';
import { limitPageCache } from '../sqlite-page-cache.js';

export interface HistoryQuery {
  readonly what: 'readings' | 'results';
  /** Inclusive start and exclusive end, ms since the epoch. */
  readonly from: number;
  readonly to: number;
  /** Sensor name globs (`greenhouse/*`); any sensor when empty. */
  readonly sensors: readonly string[];
  /** Rule names (results only); any rule when empty. */
  readonly rules: readonly string[];
  /** At most this many rows, the newest when `newest` is set, else the oldest. */
  readonly limit: number;
  readonly newest: boolean;
}

export interface HistoryRow {
  readonly time: number;
  readonly source: string;
  readonly sensor: string;
  /** Readings: the value; results: the stored result as JSON, parsed. */
  readonly value?: number;
  readonly tags?: Record<string, string>;
  readonly result?: Record<string, unknown>;
}

/**
 * Reads the history file of a data directory, read-only, so it works beside a running agent (SQLite's WAL lets a
 * reader in while the agent writes). Rows come in time order.
 */
export function queryHistory(file: string, query: HistoryQuery): HistoryRow[] {
  if (!existsSync(file)) {
    throw new Error(`no history at ${file}: is this the agent's data directory, and does its config keep history (history.results / history.readings)?`);
  }
  const db = new Database(file, { readonly: true, fileMustExist: true });
  limitPageCache(db, 'reader');
  try {
    const matchesSensor = query.sensors.length === 0 ? () => true : anyOf(query.sensors.map(compileSensorGlob));
    const rules = new Set(query.rules);
    const order = query.newest ? 'DESC' : 'ASC';
    const rows: HistoryRow[] = [];
    if (query.what === 'readings') {
      const statement = db.prepare<[number, number], { time: number; source: string; sensor: string; value: number; tags: string | null }>(
        `SELECT time, source, sensor, value, tags FROM readings WHERE time >= ? AND time < ? ORDER BY time ${order}, rowid ${order}`,
      );
      for (const row of statement.iterate(query.from, query.to)) {
        if (!matchesSensor(row.sensor)) continue;
        rows.push({ time: row.time, source: row.source, sensor: row.sensor, value: row.value, tags: row.tags === null ? {} : (JSON.parse(row.tags) as Record<string, string>) });
        if (rows.length >= query.limit) break;
      }
    } else {
      const statement = db.prepare<[number, number], { time: number; rule: string; source: string; sensor: string; payload: string }>(
        `SELECT time, rule, source, sensor, payload FROM results WHERE time >= ? AND time < ? ORDER BY time ${order}, rowid ${order}`,
      );
      for (const row of statement.iterate(query.from, query.to)) {
        if (!matchesSensor(row.sensor) || (rules.size > 0 && !rules.has(row.rule))) continue;
        rows.push({ time: row.time, source: row.source, sensor: row.sensor, result: JSON.parse(row.payload) as Record<string, unknown> });
        if (rows.length >= query.limit) break;
      }
    }
    return query.newest ? rows.reverse() : rows;
  } finally {
    db.close();
  }
}

function anyOf(matchers: ((sensor: string) => boolean)[]): (sensor: string) => boolean {
  return (sensor) => matchers.some((matches) => matches(sensor));
}
