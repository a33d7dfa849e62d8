import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { explainDataDirFailure } from './data-dir-problem.js';
import type { BufferedResult, ClockStamp } from '../../drivers/driver.js';
import { systemClock } from '../../drivers/clock.js';
import { AGENT_RULE, type RuleResult } from '../../rules/rule-result.js';
import type { ClockSegment } from '../clock/agent-clock.js';
import { BacklogTrimmer, type TrimReport } from './backlog-trimmer.js';
import { CLOCK_SEGMENTS_SCHEMA, ClockSegmentStore } from './clock-segment-store.js';
import { resultId } from './result-id.js';
import { adoptPageSize, applyStorageSettings } from './buffer-file-settings.js';
import { limitPageCache } from '../sqlite-page-cache.js';

export interface OutboxOptions {
  /**
   * `full` survives a power cut; `normal` survives a crash of the agent only. Which journal the file keeps depends on
   * it and on `spillAfterMs`: see `openFile`.
   */
  readonly synchronous: 'full' | 'normal';
  /** Beyond this many undelivered results the oldest windows are compacted, then the oldest results dropped. */
  readonly maxResults: number;
  /** The same, by the bytes of the stored results (their JSON); unlimited when absent. */
  readonly maxBytes?: number;
  /** Rejected results kept for inspection; the oldest are deleted beyond this. Default 10,000. */
  readonly maxQuarantined?: number;
  /** Part of every result's stable id, so two agents' results never share one; usually the host name. */
  readonly agentName?: string;
  /** Told about every compaction and drop, so the agent can log and count it. */
  readonly onTrim?: (report: TrimReport) => void;
  /**
   * How long a result may wait in memory for every sink to acknowledge it before it is written to the file (see
   * `commit`); 0 (the default here) writes every result before any sink sees it.
   */
  readonly spillAfterMs?: number;
  /** Monotonic ms for the age of results in memory (a step of the wall clock must not keep them from the disk). */
  readonly monotonic?: () => number;
}

/** A result sent from memory, not yet written to the file: see `Outbox.commit`. */
interface MemoryResult {
  readonly seq: number;
  readonly result: RuleResult;
  readonly clock: string | null;
  readonly createdAt: number;
  /** On the monotonic clock, for its age. */
  readonly madeAt: number;
}

/** Per-sink delivery state for status and metrics. */
export interface SinkBacklog {
  readonly sink: string;
  readonly pending: number;
}

/** What `open` had to do about the file it found. */
export interface OpenOutcome {
  /** Set when the file was unreadable and was renamed to this, so the agent could start with an empty buffer. */
  readonly movedAside?: string;
  readonly reason?: string;
}

const SCHEMA_VERSION = 4;
const DEFAULT_MAX_QUARANTINED = 10_000;
/** Results kept in memory while the disk refuses writes (full, read-only) before the oldest are dropped. */
const MAX_QUEUED = 100_000;
/** Results sent from memory beyond this are written without waiting for `spillAfterMs`, so memory stays bounded. */
const MAX_IN_MEMORY = 20_000;
/**
 * Sequence numbers are reserved in the file this many at a time before results in memory get them, so a number a sink
 * saw is never given to another result after a crash: one small write per block, not one per result.
 */
const SEQ_BLOCK = 100_000;
const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);

/**
 * The store-and-forward buffer. Every result gets its sequence number when committed and stays until every sink has
 * confirmed it. Each sink has a cursor (the last sequence number it confirmed), so delivery is in order, a restart
 * resumes where each sink left off, and a confirmation is one small write. Results a sink rejected for good are
 * copied to `quarantine` with the reason. Bounded by rows and bytes: see BacklogTrimmer.
 *
 * With `spillAfterMs` 0 every result is written to SQLite before any sink sees it. Above 0, memory comes first: a
 * committed result is handed to the sinks from memory and written to the file only if some sink has not confirmed it
 * within `spillAfterMs` (or on `spillAll`, or at close); one all sinks confirmed in time never touches the disk. The
 * file then holds a prefix of the sequence (everything up to `spilledThrough` that a sink still needs) and memory
 * the rest, in order; cursors are written with every spill, so those on disk cover everything the file holds.
 */
export class Outbox {
  private db: Database.Database | undefined;
  private readonly queued: RuleResult[] = [];
  /** The clock stamp of each queued result (null: stamped by a synchronised clock), in step with `queued`. */
  private readonly queuedClocks: (string | null)[] = [];
  /** Clock segments begun or corrected since the last commit; written with it, before the results stamped in them. */
  private readonly queuedSegments = new Set<ClockSegment>();
  private segments: ClockSegmentStore | undefined;
  private statements:
    | {
        insertWithSeq: Database.Statement<[number, number, string, string, number, string, string | null]>;
        pending: Database.Statement<[number, number], { seq: number; rule: string; created_at: number; payload: string; clock: string | null }>;
        setCursor: Database.Statement<[number, string]>;
        prunedSize: Database.Statement<[number], { rows: number; bytes: number | null }>;
        prune: Database.Statement<[number]>;
        lastSeq: Database.Statement<[], { seq: number | null }>;
        quarantine: Database.Statement<[string, number, number, number, string, string, string]>;
        trimQuarantine: Database.Statement<[number]>;
        reserveSeqs: Database.Statement<[number]>;
        syncNormal: Database.Statement<[]>;
        syncFull: Database.Statement<[]>;
      }
    | undefined;
  private trimmer: BacklogTrimmer | undefined;
  /** Whether the file keeps a write-ahead log (`synchronous: normal`) rather than a rollback journal (`full`). */
  private wal = true;
  private readonly cursors = new Map<string, number>();
  /** Each cursor as the file holds it, so a spill writes only those that moved (a sink down moves none). */
  private readonly writtenCursors = new Map<string, number>();
  private lastSeq = 0;
  /** Results committed but not written to the file, oldest first, with consecutive sequence numbers. */
  private memory: MemoryResult[] = [];
  /** Every result up to this sequence number is in the file or confirmed by every sink; memory holds those after. */
  private spilledThrough = 0;
  /** Numbers up to this one are recorded as used in the file (sqlite_sequence), so a restart goes on after them. */
  private reservedThrough = 0;
  private rows = 0;
  private bytes = 0;
  /** Results dropped because the buffer was full (or the disk refused them for too long), since open. */
  droppedResults = 0;
  /** Windows merged into coarser ones because the buffer was full, since open (rows saved). */
  compactedResults = 0;
  /** Results a sink rejected for good and that were moved to the quarantine, since open. */
  quarantinedResults = 0;

  constructor(
    readonly file: string,
    private readonly options: OutboxOptions,
  ) {}

  /**
   * Opens (or creates) the database and keeps a cursor for each of `sinks`; cursors of sinks no longer configured
   * are dropped. A file SQLite cannot read (corrupt, or not a database) is renamed `<file>.corrupt-<time>` and an
   * empty buffer started, so a damaged SD card costs the backlog, not the agent: the outcome says so, to be logged.
   */
  open(sinks: readonly string[], now = Date.now()): OpenOutcome {
    try {
      mkdirSync(dirname(this.file), { recursive: true });
    } catch (error) {
      throw explainDataDirFailure(error, dirname(this.file));
    }
    try {
      this.openFile(sinks);
      return {};
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === undefined) throw error;
      // SQLite names neither the file nor the cause ("unable to open database file"): find both.
      if (!CORRUPT_CODES.has(code)) throw explainDataDirFailure(error, dirname(this.file), this.file);
      this.db?.close();
      this.db = undefined;
      const movedAside = `${this.file}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
      renameSync(this.file, movedAside);
      // The journal belongs to the damaged file; replayed into a new one it would corrupt that too.
      for (const suffix of ['-wal', '-shm', '-journal']) {
        if (existsSync(this.file + suffix)) renameSync(this.file + suffix, movedAside + suffix);
      }
      this.openFile(sinks);
      return { movedAside, reason: (error as Error).message };
    }
  }

  private openFile(sinks: readonly string[]): void {
    const db = new Database(this.file);
    this.db = db;
    this.wal = applyStorageSettings(db, this.options.synchronous, this.options.spillAfterMs ?? 0).wal;
    limitPageCache(db, 'writer');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      db.close();
      this.db = undefined;
      throw new Error(`buffer ${this.file} was written by a newer Tributary (schema ${version}); upgrade, or move the file away`);
    }
    db.exec(`
      CREATE TABLE IF NOT EXISTS results (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at INTEGER NOT NULL,
        rule TEXT NOT NULL,
        payload TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'window',
        bytes INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE IF NOT EXISTS sink_cursors (
        sink TEXT PRIMARY KEY,
        acked_seq INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS quarantine (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        sink TEXT NOT NULL,
        seq INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        quarantined_at INTEGER NOT NULL,
        rule TEXT NOT NULL,
        reason TEXT NOT NULL,
        payload TEXT NOT NULL
      );
    `);
    if (version < 2) {
      // Schema 2 keeps each result's kind (alerts outrank windows when the buffer is full) and size in bytes;
      // a schema 1 file (or a new one) gets the columns, filled from the payloads it holds.
      db.transaction(() => {
        const columns = (db.prepare('PRAGMA table_info(results)').all() as { name: string }[]).map((c) => c.name);
        if (!columns.includes('kind')) db.exec("ALTER TABLE results ADD COLUMN kind TEXT NOT NULL DEFAULT 'window'");
        if (!columns.includes('bytes')) db.exec('ALTER TABLE results ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0');
        db.exec("UPDATE results SET kind = coalesce(json_extract(payload, '$.kind'), 'window'), bytes = length(CAST(payload AS BLOB))");
      })();
    }
    if (version < 3) {
      // Schema 3 keeps the clock segment of results made while the clock was not synchronised, for re-dating.
      db.transaction(() => {
        const columns = (db.prepare('PRAGMA table_info(results)').all() as { name: string }[]).map((c) => c.name);
        if (!columns.includes('clock')) db.exec('ALTER TABLE results ADD COLUMN clock TEXT');
      })();
    }
    if (version < 4) {
      // Schema 4 keeps the clock segments themselves, so a restart before synchronisation can still re-date.
      db.transaction(() => {
        db.exec(CLOCK_SEGMENTS_SCHEMA);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })();
    }
    this.statements = {
      insertWithSeq: db.prepare('INSERT INTO results (seq, created_at, rule, payload, bytes, kind, clock) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      pending: db.prepare('SELECT seq, rule, created_at, payload, clock FROM results WHERE seq > ? ORDER BY seq LIMIT ?'),
      setCursor: db.prepare('INSERT INTO sink_cursors (acked_seq, sink) VALUES (?, ?) ON CONFLICT (sink) DO UPDATE SET acked_seq = excluded.acked_seq'),
      prunedSize: db.prepare('SELECT COUNT(*) AS rows, SUM(bytes) AS bytes FROM results WHERE seq <= ?'),
      prune: db.prepare('DELETE FROM results WHERE seq <= ?'),
      lastSeq: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'results'"),
      quarantine: db.prepare(
        'INSERT INTO quarantine (sink, seq, created_at, quarantined_at, rule, reason, payload) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      trimQuarantine: db.prepare('DELETE FROM quarantine WHERE id <= (SELECT MAX(id) FROM quarantine) - ?'),
      // AUTOINCREMENT's own record of the highest number used: the restart reads it back as where to go on.
      syncNormal: db.prepare('PRAGMA synchronous = NORMAL'),
      syncFull: db.prepare('PRAGMA synchronous = FULL'),
      reserveSeqs: db.prepare("INSERT OR REPLACE INTO sqlite_sequence (rowid, name, seq) VALUES ((SELECT rowid FROM sqlite_sequence WHERE name = 'results'), 'results', ?)"),
    };
    this.trimmer = new BacklogTrimmer(db, this.options.maxResults, this.options.maxBytes ?? Number.POSITIVE_INFINITY);
    this.segments = new ClockSegmentStore(db);
    const stored = db.prepare('SELECT sink, acked_seq FROM sink_cursors').all() as { sink: string; acked_seq: number }[];
    // A sink may have confirmed results that were never written (sent from memory): numbers go on after those too.
    this.lastSeq = Math.max(this.statements.lastSeq.get()?.seq ?? 0, ...stored.map((row) => row.acked_seq));
    this.spilledThrough = this.lastSeq;
    this.reservedThrough = this.lastSeq;
    this.memory = [];
    const size = db.prepare('SELECT COUNT(*) AS rows, SUM(bytes) AS bytes FROM results').get() as { rows: number; bytes: number | null };
    this.rows = size.rows;
    this.bytes = size.bytes ?? 0;

    const oldest = (db.prepare('SELECT MIN(seq) AS seq FROM results').get() as { seq: number | null }).seq;
    // Reopening after close: cursors of sinks no longer configured must not hold rows back any more.
    this.cursors.clear();
    this.writtenCursors.clear();
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
        this.writtenCursors.set(sink, cursor);
      }
    })();
    this.prune();
    this.segments.pruneUnreferenced();
    if (!this.wal && this.rows === 0) adoptPageSize(db);
  }

  get isOpen(): boolean {
    return this.db !== undefined;
  }

  /** Results held in the file, and their size in bytes (the JSON stored), for status and the limits. */
  get size(): { rows: number; bytes: number } {
    return { rows: this.rows, bytes: this.bytes };
  }

  /** Results committed and handed to the sinks from memory, not written to the file (yet). */
  get inMemoryCount(): number {
    return this.memory.length;
  }

  /** Queues a result; it is durable, and visible to sinks, after the next `commit`. */
  append(result: RuleResult, clock?: ClockStamp): void {
    this.queued.push(result);
    this.queuedClocks.push(clock === undefined ? null : JSON.stringify(clock));
    // Only reached while commits keep failing (a full or read-only disk): memory must not grow without end.
    if (this.queued.length > MAX_QUEUED) {
      this.queued.shift();
      this.queuedClocks.shift();
      this.droppedResults += 1;
    }
  }

  get queuedCount(): number {
    return this.queued.length;
  }

  /** The clock segments of `boot` that earlier runs of the agent stored (see ClockSegmentStore), oldest first. */
  clockSegments(boot: string): ClockSegment[] {
    return this.opened().segments.ofBootId(boot);
  }

  /** Queues a clock segment that began or got its correction; the next `commit` stores it as it is by then. */
  keepSegment(segment: ClockSegment): void {
    this.queuedSegments.add(segment);
  }

  /**
   * Commits every queued result: gives each its sequence number and makes it visible to the sinks. With
   * `spillAfterMs` 0 they are written, with the clock segments they were stamped in, in one transaction; above 0 they
   * join the results in memory, and those older than `spillAfterMs` that a sink still needs are written (`spill`).
   * Returns how many results were committed; throws if the disk refused (the results stay queued or in memory).
   */
  commit(now: number): number {
    if ((this.options.spillAfterMs ?? 0) > 0) return this.commitToMemory(now);
    const { db, statements, segments } = this.opened();
    const count = this.queued.length;
    if (count === 0 && this.queuedSegments.size === 0) return 0;
    let lastSeq = this.lastSeq;
    let bytes = 0;
    db.transaction(() => {
      segments.write(this.queuedSegments);
      this.queued.forEach((result, index) => {
        const payload = JSON.stringify(result);
        const size = Buffer.byteLength(payload);
        bytes += size;
        // Numbered here, not by AUTOINCREMENT: a sink may have confirmed numbers never written (sent from memory).
        lastSeq += 1;
        statements.insertWithSeq.run(lastSeq, now, result.rule, payload, size, result.kind, this.queuedClocks[index]!);
      });
    })();
    // Counted only once the transaction held: a failed commit keeps everything queued, as it was.
    this.lastSeq = lastSeq;
    this.spilledThrough = lastSeq;
    this.rows += count;
    this.bytes += bytes;
    this.queued.length = 0;
    this.queuedClocks.length = 0;
    this.queuedSegments.clear();
    if (count === 0) return 0;
    this.enforceLimits();
    if (this.cursors.size === 0) this.prune();
    return count;
  }

  /**
   * Up to `limit` committed results that `sink` has not confirmed, oldest first, of the given rules (and the agent's
   * own events, which go to every sink): those in the file first, then those in memory.
   */
  pending(sink: string, limit: number, rules: ReadonlySet<string>): { batch: BufferedResult[]; lastSeq: number; scanned: number } {
    const { statements } = this.opened();
    const cursor = this.cursorOf(sink);
    // Every row of the file is at or below spilledThrough: past it, the file has nothing for this sink.
    const rows = cursor < this.spilledThrough ? statements.pending.all(cursor, limit) : [];
    const batch: BufferedResult[] = [];
    const agent = this.options.agentName ?? '';
    let lastSeq = cursor;
    for (const row of rows) {
      lastSeq = row.seq;
      if (!rules.has(row.rule) && row.rule !== AGENT_RULE) continue;
      const result = JSON.parse(row.payload) as RuleResult;
      const item = { seq: row.seq, result, id: resultId(agent, result), createdAt: row.created_at };
      batch.push(row.clock === null ? item : { ...item, clock: JSON.parse(row.clock) as ClockStamp });
    }
    let scanned = rows.length;
    const first = this.memory[0];
    if (scanned < limit && first !== undefined) {
      // Consecutive numbers: the first result after `lastSeq` is found by subtraction.
      for (let index = Math.max(0, lastSeq + 1 - first.seq); index < this.memory.length && scanned < limit; index++) {
        const entry = this.memory[index]!;
        lastSeq = entry.seq;
        scanned += 1;
        if (!rules.has(entry.result.rule) && entry.result.rule !== AGENT_RULE) continue;
        const item = { seq: entry.seq, result: entry.result, id: resultId(agent, entry.result), createdAt: entry.createdAt };
        batch.push(entry.clock === null ? item : { ...item, clock: JSON.parse(entry.clock) as ClockStamp });
      }
    }
    return { batch, lastSeq, scanned };
  }

  /**
   * Records that `sink` has everything up to `seq`, and drops results every sink has. Only a confirmation of results
   * in the file is written: one of results in memory changes nothing on disk (the next spill writes the cursor).
   */
  acknowledge(sink: string, seq: number): void {
    const { db, statements } = this.opened();
    const previous = this.cursorOf(sink);
    if (seq <= previous) return;
    this.cursors.set(sink, seq);
    const inFile = previous < this.spilledThrough;
    this.forgetConfirmed();
    if (!inFile) return;
    // With a write-ahead log not synced to disk, even with synchronous full: an acknowledgement lost in a power cut
    // only means the sink gets those results again (with the same ids), and it halves the syncs an SD card sees while
    // results flow; the next commit of results syncs it anyway. Not with a rollback journal (see openFile), which a
    // commit synced less could leave corrupt after a power cut.
    const relaxed = this.wal && this.options.synchronous === 'full';
    if (relaxed) statements.syncNormal.run();
    try {
      db.transaction(() => {
        statements.setCursor.run(seq, sink);
        this.prune();
      })();
      this.writtenCursors.set(sink, seq);
    } catch (error) {
      // Not recorded (a full disk): the sink gets these again, which at-least-once delivery allows.
      this.cursors.set(sink, previous);
      throw error;
    } finally {
      if (relaxed) statements.syncFull.run();
    }
  }

  /**
   * Copies results that `sink` rejected for good to the quarantine table, with the reason, so they can be looked at
   * (and resent by hand) while the sink carries on. The caller still acknowledges them.
   */
  quarantine(sink: string, items: readonly BufferedResult[], reason: string, now: number): void {
    const { db, statements } = this.opened();
    db.transaction(() => {
      for (const { seq, result, createdAt } of items) {
        statements.quarantine.run(sink, seq, createdAt ?? now, now, result.rule, reason, JSON.stringify(result));
      }
      statements.trimQuarantine.run(this.options.maxQuarantined ?? DEFAULT_MAX_QUARANTINED);
    })();
    this.quarantinedResults += items.length;
  }

  /** Undelivered results per sink, in the file and in memory (an upper bound once results were compacted or dropped). */
  backlog(): SinkBacklog[] {
    return [...this.cursors].map(([sink, cursor]) => ({ sink, pending: Math.min(this.lastSeq - cursor, this.rows + this.memory.length) }));
  }

  /** Writes every result in memory that a sink still needs, now: a sink is down, or the agent stops. */
  spillAll(): number {
    return this.spill(this.memory.length);
  }

  /** Ms until the oldest result in memory is due to be written; undefined when memory holds none. */
  nextSpillIn(): number | undefined {
    const oldest = this.memory[0];
    if (oldest === undefined) return undefined;
    return Math.max(0, oldest.madeAt + (this.options.spillAfterMs ?? 0) - this.monotonic());
  }

  private commitToMemory(now: number): number {
    const count = this.queued.length;
    const madeAt = this.monotonic();
    if (this.lastSeq + count > this.reservedThrough) this.reserveThrough(this.lastSeq + count + SEQ_BLOCK);
    for (let index = 0; index < count; index++) {
      this.lastSeq += 1;
      this.memory.push({ seq: this.lastSeq, result: this.queued[index]!, clock: this.queuedClocks[index]!, createdAt: now, madeAt });
    }
    this.queued.length = 0;
    this.queuedClocks.length = 0;
    if (this.memory.length > MAX_QUEUED) {
      // Only reached while spills keep failing (a full or read-only disk): memory must not grow without end.
      const dropped = this.memory.length - MAX_QUEUED;
      this.memory.splice(0, dropped);
      this.spilledThrough = this.memory[0]!.seq - 1;
      this.droppedResults += dropped;
    }
    const dueBefore = madeAt - (this.options.spillAfterMs ?? 0);
    let due = 0;
    while (due < this.memory.length && this.memory[due]!.madeAt <= dueBefore) due += 1;
    // Memory stays bounded even while sinks confirm slower than spillAfterMs lets results wait.
    this.spill(Math.max(due, this.memory.length - MAX_IN_MEMORY));
    return count;
  }

  /**
   * Writes the oldest `count` results in memory, the clock segments begun since the last write and every sink's
   * cursor, in one transaction; throws if the disk refused (then everything stays in memory, to be tried again).
   */
  private spill(count: number): number {
    const { db, statements, segments } = this.opened();
    if (count === 0 && this.queuedSegments.size === 0) return 0;
    const spilled = this.memory.slice(0, count);
    let bytes = 0;
    db.transaction(() => {
      segments.write(this.queuedSegments);
      for (const { seq, result, clock, createdAt } of spilled) {
        const payload = JSON.stringify(result);
        const size = Buffer.byteLength(payload);
        bytes += size;
        statements.insertWithSeq.run(seq, createdAt, result.rule, payload, size, result.kind, clock);
      }
      if (spilled.length > 0) {
        for (const [sink, cursor] of this.cursors) if (this.writtenCursors.get(sink) !== cursor) statements.setCursor.run(cursor, sink);
      }
    })();
    if (spilled.length > 0) for (const [sink, cursor] of this.cursors) this.writtenCursors.set(sink, cursor);
    this.queuedSegments.clear();
    if (spilled.length === 0) return 0;
    this.memory.splice(0, spilled.length);
    this.spilledThrough = spilled[spilled.length - 1]!.seq;
    this.rows += spilled.length;
    this.bytes += bytes;
    this.enforceLimits();
    if (this.cursors.size === 0) this.prune();
    return spilled.length;
  }

  /** Records in the file that numbers up to `seq` are used; throws if the disk refused (then none is handed out). */
  private reserveThrough(seq: number): void {
    const { db, statements } = this.opened();
    db.transaction(() => statements.reserveSeqs.run(seq))();
    this.reservedThrough = seq;
  }

  /** Drops from memory the results every sink has confirmed: they never need the disk. */
  private forgetConfirmed(): void {
    const first = this.memory[0];
    if (first === undefined) return;
    const everyoneHas = Math.min(...this.cursors.values());
    const confirmed = Math.min(this.memory.length, everyoneHas - first.seq + 1);
    if (confirmed <= 0) return;
    this.memory.splice(0, confirmed);
    this.spilledThrough = Math.max(this.spilledThrough, first.seq + confirmed - 1);
  }

  private monotonic(): number {
    return (this.options.monotonic ?? systemClock.monotonic)();
  }

  /**
   * Copies what the write-ahead log holds into the database file, without waiting for readers (PASSIVE), and
   * returns how many pages the log held. The agent calls it on a timer; close() checkpoints fully. Nothing to do
   * with a rollback journal (see openFile), which writes into the file at each commit.
   */
  checkpoint(): number {
    if (!this.db || !this.wal) return 0;
    const [result] = this.db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    return result?.log ?? 0;
  }

  /** Commits what is queued, writes everything in memory a sink still needs, and closes the database. */
  close(now: number): void {
    if (!this.db) return;
    try {
      this.commit(now);
      this.spillAll();
      // A clean stop gives back the numbers reserved but not used: the next run goes on from the last one used.
      if (this.reservedThrough > this.lastSeq) this.reserveThrough(this.lastSeq);
    } finally {
      this.db.close();
      this.db = undefined;
      this.statements = undefined;
      this.trimmer = undefined;
      this.segments = undefined;
    }
  }

  private prune(): void {
    const { statements } = this.opened();
    const everyoneHas = this.cursors.size === 0 ? this.lastSeq : Math.min(...this.cursors.values());
    const size = statements.prunedSize.get(everyoneHas)!;
    if (size.rows === 0) return;
    statements.prune.run(everyoneHas);
    this.rows -= size.rows;
    this.bytes -= size.bytes ?? 0;
  }

  /** Compacts, then drops, until the buffer fits its limits again; every step is counted and reported. */
  private enforceLimits(): void {
    const trimmer = this.trimmer!;
    if (!trimmer.isOver(this.rows, this.bytes)) return;
    const report = trimmer.trim([...this.cursors.values()], this.rows, this.bytes, this.lastSeq);
    this.rows -= report.rowsFreed;
    this.bytes -= report.bytesFreed;
    this.compactedResults += report.windowsMerged - report.windowsWritten;
    this.droppedResults += report.dropped + report.droppedPriority;
    this.options.onTrim?.(report);
  }

  private cursorOf(sink: string): number {
    const cursor = this.cursors.get(sink);
    if (cursor === undefined) throw new Error(`sink "${sink}" has no cursor in the buffer`);
    return cursor;
  }

  private opened() {
    if (!this.db || !this.statements || !this.segments) throw new Error('the buffer is not open');
    return { db: this.db, statements: this.statements, segments: this.segments };
  }
}
