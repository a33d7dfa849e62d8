import { accessSync, constants, statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { limitPageCache } from '../sqlite-page-cache.js';

/** What the disk says about the buffer file: whether it can be written, how big it is, how much room is left. */
export interface BufferDisk {
  readonly writable: boolean;
  /** Why it cannot be written, when it cannot. */
  readonly reason: string | undefined;
  /** The database with its write-ahead log. */
  readonly bytes: number;
  readonly freeBytes: number | undefined;
}

/** Checks the buffer file from outside SQLite: a read-only remount (common on SD cards after errors) or a full disk. */
export function probeBufferDisk(file: string): BufferDisk {
  let bytes = 0;
  for (const part of [file, `${file}-wal`]) {
    try {
      bytes += statSync(part).size;
    } catch {
      // no write-ahead log at the moment
    }
  }
  let freeBytes: number | undefined;
  try {
    const fs = statfsSync(dirname(file));
    freeBytes = fs.bavail * fs.bsize;
  } catch {
    freeBytes = undefined;
  }
  try {
    accessSync(file, constants.W_OK);
  } catch (error) {
    return { writable: false, reason: `${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, bytes, freeBytes };
  }
  if (freeBytes === 0) return { writable: false, reason: `no space left on the disk of ${file}`, bytes, freeBytes };
  return { writable: true, reason: undefined, bytes, freeBytes };
}

/**
 * When each sink's oldest unconfirmed result was committed, read through a separate read-only connection (WAL mode
 * lets it read while the agent writes). It reads the outbox's tables directly; the outbox does not offer this yet.
 * Any failure (file gone, schema changed) gives "unknown" rather than an error: this only feeds a metric.
 */
export class OldestPending {
  private db: Database.Database | undefined;
  private query: Database.Statement<[string], { created_at: number }> | undefined;

  constructor(private readonly file: string) {}

  /** Commit time (ms since the epoch) of the oldest result `sink` has not confirmed, or undefined if none or unknown. */
  of(sink: string): number | undefined {
    try {
      if (!this.query) {
        this.db = new Database(this.file, { readonly: true, fileMustExist: true });
        limitPageCache(this.db, 'reader');
        this.query = this.db.prepare(
          'SELECT created_at FROM results WHERE seq > (SELECT acked_seq FROM sink_cursors WHERE sink = ?) ORDER BY seq LIMIT 1',
        );
      }
      return this.query.get(sink)?.created_at;
    } catch {
      this.close();
      return undefined;
    }
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
    this.query = undefined;
  }
}
