import type Database from 'better-sqlite3';
import type { WindowResult } from '../../rules/rule-result.js';
import { mergeWindows } from './window-compaction.js';

/** What one trim of a full buffer did: for the log line and the counters. */
export interface TrimReport {
  /** Which limit was exceeded. */
  readonly limit: 'rows' | 'bytes';
  /** Original windows merged, and the coarser windows written in their place. */
  readonly windowsMerged: number;
  readonly windowsWritten: number;
  /** Windows and readings deleted undelivered. */
  readonly dropped: number;
  /** Alerts and agent events deleted undelivered: only when nothing else was left to give up. */
  readonly droppedPriority: number;
  readonly rowsFreed: number;
  readonly bytesFreed: number;
}

/** Windows merged into one at most, per compaction pass; an old backlog gets ten times coarser each time round. */
const MERGE_FACTOR = 10;
/** Rows parsed at a time while compacting, to bound memory. */
const CHUNK_ROWS = 20_000;
/** Compaction frees room down to this share of each limit, so it runs once per tenth of growth, not per commit. */
const COMPACT_TARGET = 0.9;
const PRIORITY_KINDS = "('alert', 'event')";

interface Row {
  readonly seq: number;
  readonly bytes: number;
  readonly result: WindowResult;
}

/**
 * Keeps the buffer within `maxRows` and `maxBytes` when sinks cannot keep up (a week-long outage), degrading
 * instead of discarding blindly:
 *
 * 1. The oldest windows are compacted: consecutive windows of one series (rule, source, sensor, tags) are merged,
 *    up to ten at a time, into one (see window-compaction.ts), until 90 % of each limit is reached.
 * 2. If that is not enough, the oldest windows and readings are dropped, down to the limits.
 * 3. Only then the oldest alerts and agent events.
 *
 * A merge never spans a sink's cursor, so no sink receives a window it already has inside a merged one. Rows keep
 * their sequence numbers (a merged window takes the first one's), so delivery order and cursors are untouched.
 */
export class BacklogTrimmer {
  private readonly windowsFrom: Database.Statement<[number, number], { seq: number; bytes: number; payload: string }>;
  private readonly rewrite: Database.Statement<[string, number, number]>;
  private readonly remove: Database.Statement<[number]>;
  private readonly oldestOf: Record<'routine' | 'priority', Database.Statement<[], { seq: number; bytes: number }>>;
  private readonly removeUpTo: Record<'routine' | 'priority', Database.Statement<[number]>>;
  /** Where the last compaction ended without reaching its target; compacting again before much is new is futile. */
  private futileAtSeq: number | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly maxRows: number,
    private readonly maxBytes: number,
  ) {
    this.windowsFrom = db.prepare("SELECT seq, bytes, payload FROM results WHERE seq > ? AND kind = 'window' ORDER BY seq LIMIT ?");
    this.rewrite = db.prepare('UPDATE results SET payload = ?, bytes = ? WHERE seq = ?');
    this.remove = db.prepare('DELETE FROM results WHERE seq = ?');
    this.oldestOf = {
      routine: db.prepare(`SELECT seq, bytes FROM results WHERE kind NOT IN ${PRIORITY_KINDS} ORDER BY seq`),
      priority: db.prepare(`SELECT seq, bytes FROM results WHERE kind IN ${PRIORITY_KINDS} ORDER BY seq`),
    };
    this.removeUpTo = {
      routine: db.prepare(`DELETE FROM results WHERE seq <= ? AND kind NOT IN ${PRIORITY_KINDS}`),
      priority: db.prepare(`DELETE FROM results WHERE seq <= ? AND kind IN ${PRIORITY_KINDS}`),
    };
  }

  isOver(rows: number, bytes: number): boolean {
    return rows > this.maxRows || bytes > this.maxBytes;
  }

  /** Brings `rows`/`bytes` (the buffer's current size) within the limits; `cursors` are every sink's cursor. */
  trim(cursors: readonly number[], rows: number, bytes: number, lastSeq: number): TrimReport {
    const limit = rows > this.maxRows ? 'rows' : 'bytes';
    const size = { rows, bytes };
    let windowsMerged = 0;
    let windowsWritten = 0;
    // Worth another pass only when a tenth of the backlog is new since the last one that fell short.
    if (this.futileAtSeq === undefined || lastSeq - this.futileAtSeq >= Math.max(1, rows * 0.1)) {
      const compacted = this.compact(cursors, size);
      windowsMerged = compacted.merged;
      windowsWritten = compacted.written;
      this.futileAtSeq = this.isOver(size.rows / COMPACT_TARGET, size.bytes / COMPACT_TARGET) ? lastSeq : undefined;
    }
    const dropped = this.drop('routine', size);
    const droppedPriority = this.drop('priority', size);
    return { limit, windowsMerged, windowsWritten, dropped, droppedPriority, rowsFreed: rows - size.rows, bytesFreed: bytes - size.bytes };
  }

  /** Merges runs of consecutive windows, oldest first, until under the compaction target; updates `size`. */
  private compact(cursors: readonly number[], size: { rows: number; bytes: number }): { merged: number; written: number } {
    const bounds = [...new Set(cursors)].sort((a, b) => a - b);
    const segmentOf = (seq: number) => bounds.filter((cursor) => cursor < seq).length;
    const targetRows = this.maxRows * COMPACT_TARGET;
    const targetBytes = this.maxBytes * COMPACT_TARGET;
    let merged = 0;
    let written = 0;
    let after = 0;
    while (size.rows > targetRows || size.bytes > targetBytes) {
      const chunk = this.windowsFrom.all(after, CHUNK_ROWS);
      if (chunk.length === 0) break;
      after = chunk[chunk.length - 1]!.seq;
      const runs = new Map<string, { segment: number; rows: Row[] }>();
      const finished: Row[][] = [];
      for (const { seq, bytes, payload } of chunk) {
        const result = JSON.parse(payload) as WindowResult;
        const key = JSON.stringify([result.rule, result.source, result.sensor, Object.entries(result.tags).sort()]);
        const segment = segmentOf(seq);
        const run = runs.get(key);
        const last = run?.rows[run.rows.length - 1];
        // A run continues only forward in time: a revision of a window already in it (same start) starts a new run,
        // so a merge never counts one window twice.
        if (run && last && run.segment === segment && result.start >= last.result.end && run.rows.length < MERGE_FACTOR) {
          run.rows.push({ seq, bytes, result });
        } else {
          if (run) finished.push(run.rows);
          runs.set(key, { segment, rows: [{ seq, bytes, result }] });
        }
      }
      for (const run of runs.values()) finished.push(run.rows);
      this.db.transaction(() => {
        for (const run of finished) {
          if (run.length < 2) continue;
          const payload = JSON.stringify(mergeWindows(run.map((row) => row.result)));
          const payloadBytes = Buffer.byteLength(payload);
          this.rewrite.run(payload, payloadBytes, run[0]!.seq);
          for (const row of run.slice(1)) this.remove.run(row.seq);
          size.rows -= run.length - 1;
          size.bytes -= run.reduce((total, row) => total + row.bytes, 0) - payloadBytes;
          merged += run.length;
          written += 1;
        }
      })();
    }
    return { merged, written };
  }

  /** Deletes the oldest rows of one class until within the limits; updates `size`. */
  private drop(which: 'routine' | 'priority', size: { rows: number; bytes: number }): number {
    if (!this.isOver(size.rows, size.bytes)) return 0;
    let count = 0;
    let freed = 0;
    let upTo: number | undefined;
    for (const row of this.oldestOf[which].iterate()) {
      count += 1;
      freed += row.bytes;
      upTo = row.seq;
      if (!this.isOver(size.rows - count, size.bytes - freed)) break;
    }
    if (upTo === undefined) return 0;
    this.removeUpTo[which].run(upTo);
    size.rows -= count;
    size.bytes -= freed;
    return count;
  }
}
