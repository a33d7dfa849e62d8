import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Reading } from '../../rules/reading.js';
import { limitPageCache } from '../sqlite-page-cache.js';
import type { RuleResult } from '../../rules/rule-result.js';

export interface HistoryOptions {
  /** How long raw readings are kept, in ms; 0 keeps none (the default: they cost the most SD-card writes). */
  readonly readingsMs: number;
  /** How long results (windows, readings passed on, alert transitions) are kept, in ms; 0 keeps none. */
  readonly resultsMs: number;
  /** `full` survives a power cut; `normal` (the default here: history is a convenience) a crash of the agent. */
  readonly synchronous: 'full' | 'normal';
}

const SCHEMA_VERSION = 1;
/** Rows queued beyond this are written before the flush interval ends, so memory stays bounded (readings kept at 1,000/s). */
const MAX_QUEUED_ROWS = 10_000;
/** Old rows are deleted at most this often, and at most this many per statement, so a prune never stalls the agent. */
const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCH = 5_000;

/**
 * What happened on this device, kept for a while for `tributary query`: raw readings and results, each for its own
 * retention, in a SQLite file of its own (not the delivery buffer, whose rows go once every sink has them). Rows are
 * queued in memory and written in one transaction per `commit`, which the agent calls once per
 * `history.flush_interval` (and at stop): an SD card wears by the write, not by the byte, so a minute of rows in one
 * transaction costs about what one row alone would.
 */
export class LocalHistory {
  private db: Database.Database | undefined;
  private readings: Reading[] = [];
  private results: RuleResult[] = [];
  private statements:
    | {
        insertReading: Database.Statement<[number, string, string, number, string | null]>;
        insertResult: Database.Statement<[number, number | null, string, string, string, string, string]>;
        pruneReadings: Database.Statement<[number, number]>;
        pruneResults: Database.Statement<[number, number]>;
      }
    | undefined;
  private lastPrune = Number.NEGATIVE_INFINITY;
  /** Rows lost because a write failed (full or read-only disk), since open: history is not worth memory without end. */
  droppedRows = 0;

  constructor(
    readonly file: string,
    private readonly options: HistoryOptions,
  ) {}

  /** Whether anything is kept at all; when not, the file is never created. */
  get enabled(): boolean {
    return this.options.readingsMs > 0 || this.options.resultsMs > 0;
  }

  open(): void {
    if (!this.enabled) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const db = new Database(this.file);
    db.pragma('journal_mode = WAL');
    limitPageCache(db, 'writer');
    db.pragma(`synchronous = ${this.options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new Error(`history ${this.file} was written by a newer Tributary (schema ${version}); upgrade, or move the file away`);
    }
    db.exec(HISTORY_SCHEMA);
    this.db = db;
    this.statements = {
      insertReading: db.prepare('INSERT INTO readings (time, source, sensor, value, tags) VALUES (?, ?, ?, ?, ?)'),
      insertResult: db.prepare('INSERT INTO results (time, end_time, kind, rule, source, sensor, payload) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      pruneReadings: db.prepare('DELETE FROM readings WHERE rowid IN (SELECT rowid FROM readings WHERE time < ? ORDER BY time LIMIT ?)'),
      pruneResults: db.prepare('DELETE FROM results WHERE rowid IN (SELECT rowid FROM results WHERE time < ? ORDER BY time LIMIT ?)'),
    };
  }

  /** Queues a reading, if readings are kept; true when so many rows are queued that they should be committed now. */
  recordReading(reading: Reading): boolean {
    if (this.db === undefined || this.options.readingsMs <= 0) return false;
    this.readings.push(reading);
    return this.queuedRows >= MAX_QUEUED_ROWS;
  }

  /** Queues a result, if results are kept; true when so many rows are queued that they should be committed now. */
  recordResult(result: RuleResult): boolean {
    if (this.db === undefined || this.options.resultsMs <= 0) return false;
    this.results.push(result);
    return this.queuedRows >= MAX_QUEUED_ROWS;
  }

  /** Rows waiting for the next commit. */
  get queuedRows(): number {
    return this.readings.length + this.results.length;
  }

  /**
   * Writes what was queued in one transaction, and prunes rows past their retention now and then. If the disk refuses,
   * the queued rows are dropped (counted in `droppedRows`) and the error thrown: history never holds up delivery.
   */
  commit(now: number): void {
    const db = this.db;
    const statements = this.statements;
    if (db === undefined || statements === undefined) return;
    const readings = this.readings;
    const results = this.results;
    if (readings.length > 0 || results.length > 0) {
      this.readings = [];
      this.results = [];
      try {
        // Indexed loops, no key arrays or [time, end] pairs: this runs once per commit, mostly unoptimised, where
        // each for-of step and each of those arrays is an object per row (issue 24: allocations per reading).
        db.transaction(() => {
          for (let i = 0; i < readings.length; i++) {
            const r = readings[i]!;
            statements.insertReading.run(r.timestamp, r.source, r.sensor, r.value, hasOwnKeys(r.tags) ? JSON.stringify(r.tags) : null);
          }
          for (let i = 0; i < results.length; i++) {
            const result = results[i]!;
            const window = result.kind === 'window';
            const time = window ? result.start : result.timestamp;
            statements.insertResult.run(time, window ? result.end : null, result.kind, result.rule, result.source, result.sensor, JSON.stringify(result));
          }
        })();
      } catch (error) {
        this.droppedRows += readings.length + results.length;
        throw error;
      }
    }
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      this.prune(now);
    }
  }

  close(now: number): void {
    if (this.db === undefined) return;
    this.commit(now);
    this.db.close();
    this.db = undefined;
    this.statements = undefined;
  }

  private prune(now: number): void {
    const { pruneReadings, pruneResults } = this.statements!;
    if (this.options.readingsMs > 0) while (pruneReadings.run(now - this.options.readingsMs, PRUNE_BATCH).changes === PRUNE_BATCH);
    if (this.options.resultsMs > 0) while (pruneResults.run(now - this.options.resultsMs, PRUNE_BATCH).changes === PRUNE_BATCH);
  }
}

/**
 * One index per table, on time: every query and every prune is a time range, and each extra index is another
 * B-tree written per row. Sensor globs and rule names are filtered while reading the range.
 */
export const HISTORY_SCHEMA = `
  CREATE TABLE IF NOT EXISTS readings (
    time INTEGER NOT NULL,
    source TEXT NOT NULL,
    sensor TEXT NOT NULL,
    value REAL NOT NULL,
    tags TEXT
  );
  CREATE INDEX IF NOT EXISTS readings_by_time ON readings (time);
  CREATE TABLE IF NOT EXISTS results (
    time INTEGER NOT NULL,
    end_time INTEGER,
    kind TEXT NOT NULL,
    rule TEXT NOT NULL,
    source TEXT NOT NULL,
    sensor TEXT NOT NULL,
    payload TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS results_by_time ON results (time);
  PRAGMA user_version = ${SCHEMA_VERSION};
`;

/** Whether an object has an own enumerable key, as Object.keys(object).length > 0 tells, without the array. */
function hasOwnKeys(object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true;
  return false;
}
