import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { limitPageCache } from '../sqlite-page-cache.js';

/**
 * Where alert state outlives the process: pending and firing alerts per rule, as the engine exports them, in a small
 * SQLite file of their own beside the buffer. Written when an alert fires, resolves or is acknowledged, at most once per
 * `buffer.spill_after` (see `AlertKeeper.save`), each time in one fully synchronous transaction, so a power cut never
 * re-fires a firing alert that was saved. Beside it, in a table of its own, what groups of `anomaly: { across }` have
 * learnt (`group_model`), written when a group's model is learnt or dropped and at stop.
 */
export class AlertStateStore {
  private db: Database.Database | undefined;

  constructor(readonly file: string) {}

  /** Opens the file and returns what was saved, by rule. */
  open(): Map<string, unknown> {
    mkdirSync(dirname(this.file), { recursive: true });
    const db = new Database(this.file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    limitPageCache(db, 'writer');
    db.exec('CREATE TABLE IF NOT EXISTS alert_state (rule TEXT PRIMARY KEY, state TEXT NOT NULL, saved_at INTEGER NOT NULL) WITHOUT ROWID');
    db.exec('CREATE TABLE IF NOT EXISTS group_model (rule TEXT PRIMARY KEY, state TEXT NOT NULL, saved_at INTEGER NOT NULL) WITHOUT ROWID');
    this.db = db;
    return this.read('alert_state');
  }

  /** The group models saved, by rule (after `open`). */
  models(): Map<string, unknown> {
    return this.read('group_model');
  }

  private read(table: 'alert_state' | 'group_model'): Map<string, unknown> {
    const saved = new Map<string, unknown>();
    if (!this.db) return saved;
    for (const row of this.db.prepare<[], { rule: string; state: string }>(`SELECT rule, state FROM ${table}`).iterate()) {
      try {
        saved.set(row.rule, JSON.parse(row.state));
      } catch {
        saved.set(row.rule, row.state); // the engine rejects it with a clear error and the rule starts afresh
      }
    }
    return saved;
  }

  /** Replaces what is saved with `states` (rules without pending or firing alerts have no row). */
  save(states: ReadonlyMap<string, unknown>, now: number): void {
    this.replace('alert_state', states, now);
  }

  /** Replaces the saved group models with `models` (rules whose groups learnt nothing have no row). */
  saveModels(models: ReadonlyMap<string, unknown>, now: number): void {
    this.replace('group_model', models, now);
  }

  private replace(table: 'alert_state' | 'group_model', rows: ReadonlyMap<string, unknown>, now: number): void {
    const db = this.db;
    if (!db) return;
    const insert = db.prepare(`INSERT INTO ${table} (rule, state, saved_at) VALUES (?, ?, ?)`);
    db.transaction(() => {
      db.exec(`DELETE FROM ${table}`);
      for (const [rule, state] of rows) insert.run(rule, JSON.stringify(state), now);
    })();
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}
