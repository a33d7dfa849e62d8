import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { BufferedResult } from '../../drivers/driver.js';
import type { RuleResult } from '../../rules/rule-result.js';

export interface OutboxOptions {
  /** `full` survives a power cut; `normal` survives a crash of the agent only. */
  readonly synchronous: 'full' | 'normal';
  /** Beyond this many undelivered results the oldest are dropped and counted. */
  readonly maxResults: number;
}

/** Per-sink delivery state for status and metrics. */
export interface SinkBacklog {
  readonly sink: string;
  readonly pending: number;
}

const SCHEMA_VERSION = 1;

/**
 * The store-and-forward buffer: every rule result is committed to SQLite before any sink sees it, and stays until
 * every sink has confirmed it. Each sink has a cursor (the last sequence number it confirmed), so delivery is in
 * order, a restart resumes where each sink left off, and a confirmation is one small write.
 */
export class Outbox {
  private db: Database.Database | undefined;
  private readonly queued: RuleResult[] = [];
  private statements:
    | {
        insert: Database.Statement<[number, string, string]>;
        pending: Database.Statement<[number, number], { seq: number; rule: string; payload: string }>;
        setCursor: Database.Statement<[number, string]>;
        prune: Database.Statement<[number]>;
        lastSeq: Database.Statement<[], { seq: number | null }>;
      }
    | undefined;
  private readonly cursors = new Map<string, number>();
  private lastSeq = 0;
  /** Results dropped because the buffer was full, since open. */
  droppedResults = 0;

  constructor(
    readonly file: string,
    private readonly options: OutboxOptions,
  ) {}

  /** Opens (or creates) the database and keeps a cursor for each of `sinks`; cursors of sinks no longer configured are dropped. */
  open(sinks: readonly string[]): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const db = new Database(this.file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${this.options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new Error(`buffer ${this.file} was written by a newer Tributary (schema ${version}); upgrade, or move the file away`);
    }
    db.exec(`
      CREATE TABLE IF NOT EXISTS results (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at INTEGER NOT NULL,
        rule TEXT NOT NULL,
        payload TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS sink_cursors (
        sink TEXT PRIMARY KEY,
        acked_seq INTEGER NOT NULL
      ) WITHOUT ROWID;
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
    this.db = db;
    this.statements = {
      insert: db.prepare('INSERT INTO results (created_at, rule, payload) VALUES (?, ?, ?)'),
      pending: db.prepare('SELECT seq, rule, payload FROM results WHERE seq > ? ORDER BY seq LIMIT ?'),
      setCursor: db.prepare('INSERT INTO sink_cursors (acked_seq, sink) VALUES (?, ?) ON CONFLICT (sink) DO UPDATE SET acked_seq = excluded.acked_seq'),
      prune: db.prepare('DELETE FROM results WHERE seq <= ?'),
      lastSeq: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'results'"),
    };
    this.lastSeq = this.statements.lastSeq.get()?.seq ?? 0;

    const stored = db.prepare('SELECT sink, acked_seq FROM sink_cursors').all() as { sink: string; acked_seq: number }[];
    const oldest = (db.prepare('SELECT MIN(seq) AS seq FROM results').get() as { seq: number | null }).seq;
    // Reopening after close: cursors of sinks no longer configured must not hold rows back any more.
    this.cursors.clear();
    db.transaction(() => {
      for (const { sink } of stored) {
        if (!sinks.includes(sink)) db.prepare('DELETE FROM sink_cursors WHERE sink = ?').run(sink);
      }
      for (const sink of sinks) {
        const found = stored.find((row) => row.sink === sink);
        // A new sink starts with whatever backlog is still held, not with results long since pruned.
        const cursor = found ? found.acked_seq : oldest === null ? this.lastSeq : oldest - 1;
        this.cursors.set(sink, cursor);
        this.statements!.setCursor.run(cursor, sink);
      }
    })();
    this.prune();
  }

  get isOpen(): boolean {
    return this.db !== undefined;
  }

  /** Queues a result; it is durable, and visible to sinks, after the next `commit`. */
  append(result: RuleResult): void {
    this.queued.push(result);
  }

  get queuedCount(): number {
    return this.queued.length;
  }

  /** Writes every queued result in one transaction. Returns how many were committed. */
  commit(now: number): number {
    const { db, statements } = this.opened();
    const count = this.queued.length;
    if (count === 0) return 0;
    db.transaction(() => {
      for (const result of this.queued) {
        this.lastSeq = Number(statements.insert.run(now, result.rule, JSON.stringify(result)).lastInsertRowid);
      }
    })();
    this.queued.length = 0;
    this.enforceLimit();
    if (this.cursors.size === 0) this.prune();
    return count;
  }

  /** Up to `limit` committed results that `sink` has not confirmed, oldest first, of the given rules only. */
  pending(sink: string, limit: number, rules: ReadonlySet<string>): { batch: BufferedResult[]; lastSeq: number; scanned: number } {
    const { statements } = this.opened();
    const cursor = this.cursorOf(sink);
    const rows = statements.pending.all(cursor, limit);
    const batch: BufferedResult[] = [];
    for (const row of rows) {
      if (rules.has(row.rule)) batch.push({ seq: row.seq, result: JSON.parse(row.payload) as RuleResult });
    }
    return { batch, lastSeq: rows.length > 0 ? rows[rows.length - 1]!.seq : cursor, scanned: rows.length };
  }

  /** Records that `sink` has everything up to `seq`, and drops results every sink has. */
  acknowledge(sink: string, seq: number): void {
    const { db, statements } = this.opened();
    if (seq <= this.cursorOf(sink)) return;
    db.transaction(() => {
      statements.setCursor.run(seq, sink);
      this.cursors.set(sink, seq);
      this.prune();
    })();
  }

  backlog(): SinkBacklog[] {
    return [...this.cursors].map(([sink, cursor]) => ({ sink, pending: this.lastSeq - cursor }));
  }

  /** Commits what is queued and closes the database. */
  close(now: number): void {
    if (!this.db) return;
    this.commit(now);
    this.db.close();
    this.db = undefined;
    this.statements = undefined;
  }

  private prune(): void {
    const { statements } = this.opened();
    const everyoneHas = this.cursors.size === 0 ? this.lastSeq : Math.min(...this.cursors.values());
    statements.prune.run(everyoneHas);
  }

  private enforceLimit(): void {
    const { db, statements } = this.opened();
    const oldestKept = this.lastSeq - this.options.maxResults;
    let dropped = 0;
    for (const [sink, cursor] of this.cursors) {
      if (cursor >= oldestKept) continue;
      dropped = Math.max(dropped, oldestKept - cursor);
      this.cursors.set(sink, oldestKept);
      db.transaction(() => statements.setCursor.run(oldestKept, sink))();
    }
    if (dropped > 0) {
      this.droppedResults += dropped;
      this.prune();
    }
  }

  private cursorOf(sink: string): number {
    const cursor = this.cursors.get(sink);
    if (cursor === undefined) throw new Error(`sink "${sink}" has no cursor in the buffer`);
    return cursor;
  }

  private opened() {
    if (!this.db || !this.statements) throw new Error('the buffer is not open');
    return { db: this.db, statements: this.statements };
  }
}
