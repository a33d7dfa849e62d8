import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DataDirError, explainDataDirFailure } from './data-dir-problem.js';

export const LOCK_FILE = 'agent.lock';
/** Who holds the lock, for the message a second agent prints; the lock itself decides. */
export const HOLDER_FILE = 'agent.pid';

/** What `agent.pid` holds. */
interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/**
 * One agent per data dir: two would share the buffer and the sink cursors, sending results twice and skipping
 * others. The lock is SQLite's own lock on `agent.lock`, taken by a transaction left open (BEGIN IMMEDIATE: a POSIX
 * record lock). The kernel drops it when the process ends in any way, kill -9 and power cuts included, so it is
 * never stale and nothing needs cleaning up by hand. (A PID file made with O_EXCL outlives a crash, and after a
 * reboot its PID may belong to another process; Node has no flock.) Processes that only read (`tributary query`
 * opens history.sqlite read-only; `status` and `tail` ask the agent over HTTP) take no lock.
 */
export class DataDirLock {
  private db: Database.Database | undefined;

  constructor(readonly dir: string) {}

  /** Takes the lock, creating the directory; throws a `DataDirError` saying who holds it, or why the dir is unusable. */
  acquire(now = Date.now()): void {
    if (this.db) return;
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      throw explainDataDirFailure(error, this.dir);
    }
    const file = join(this.dir, LOCK_FILE);
    let db: Database.Database | undefined;
    try {
      // timeout 0: a held lock answers SQLITE_BUSY at once instead of waiting for it.
      db = new Database(file, { timeout: 0 });
      db.pragma('journal_mode = OFF'); // nothing is ever written: no journal file beside it
      db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      db?.close();
      if ((error as { code?: unknown }).code === 'SQLITE_BUSY') throw new DataDirError(this.inUseMessage(), { cause: error });
      throw explainDataDirFailure(error, this.dir, file);
    }
    this.db = db;
    const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date(now).toISOString() };
    try {
      writeFileSync(join(this.dir, HOLDER_FILE), `${JSON.stringify(holder)}\n`);
    } catch (error) {
      this.release();
      throw explainDataDirFailure(error, this.dir, join(this.dir, HOLDER_FILE));
    }
  }

  /** Lets the next agent in; safe to call twice, or without the lock. */
  release(): void {
    if (!this.db) return;
    // Before the lock goes: a next agent may write its own holder file right after.
    rmSync(join(this.dir, HOLDER_FILE), { force: true });
    this.db.close();
    this.db = undefined;
  }

  private inUseMessage(): string {
    const holder = readHolder(join(this.dir, HOLDER_FILE));
    const who = holder ? `PID ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}, running since ${holder.since}` : 'PID unknown';
    return (
      `the data dir ${this.dir} is in use by another agent (${who}): two agents on one buffer would send results twice ` +
      'and skip others. Stop that one first (systemctl stop tributary), or give this one its own directory with --data-dir or agent.data_dir'
    );
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.since === 'string' ? (parsed as LockHolder) : undefined;
  } catch {
    return undefined; // not written yet (the holder is starting), or by a version that did not write it
  }
}
