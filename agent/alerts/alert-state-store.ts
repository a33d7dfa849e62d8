import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Where alert state outlives the process: pending and firing alerts per rule, as the engine exports them, in a small
 * SQLite file of their own beside the buffer. Written when an alert fires, resolves or is acknowledged, at most once per
 * `buffer.spill_after` (see `AlertKeeper.save`), each time in one fully synchronous transaction, so a power cut never
 * re-fires a firing alert that was saved.
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
    db.exec('CREATE TABLE IF NOT EXISTS alert_state (rule TEXT PRIMARY KEY, state TEXT NOT NULL, saved_at INTEGER NOT NULL) WITHOUT ROWID');
    this.db = db;
    const saved = new Map<string, unknown>();
    for (const row of db.prepare<[], { rule: string; state: string }>('SELECT rule, state FROM alert_state').iterate()) {
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
    const db = this.db;
    if (!db) return;
    const insert = db.prepare('INSERT INTO alert_state (rule, state, saved_at) VALUES (?, ?, ?)');
    db.transaction(() => {
      db.exec('DELETE FROM alert_state');
      for (const [rule, state] of states) insert.run(rule, JSON.stringify(state), now);
    })();
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}
