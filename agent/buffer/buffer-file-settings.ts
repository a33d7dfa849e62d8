import type Database from 'better-sqlite3';

/** What the write-ahead log is cut back to after a checkpoint (and a persistent rollback journal after a commit). */
export const WAL_SIZE_LIMIT_BYTES = 4 * 1_048_576;
/**
 * Page size of a new buffer file (SQLite's default is 4,096). Every transaction rewrites a few pages besides the new
 * rows (page 1, the table's interior page, the last, partly filled leaf): smaller pages make that cost smaller, and a
 * result (~250 bytes) still fits one page eight times over. An existing file gets it when a start finds it empty.
 */
export const PAGE_SIZE = 2_048;

/**
 * How the buffer file is kept on disk, set as it is opened: which journal, how it is synced, when it is checkpointed.
 * Returns whether the file keeps a write-ahead log (else a persistent rollback journal).
 */
export function applyStorageSettings(db: Database.Database, synchronous: 'full' | 'normal', spillAfterMs: number): { wal: boolean } {
  // Only a file with no pages yet takes it (see PAGE_SIZE; an existing one is rebuilt by adoptPageSize once empty).
  db.pragma(`page_size = ${PAGE_SIZE}`);
  // Memory first (`spillAfterMs` above 0), the file is written only in an outage (every commit) or for a slow
  // sink, in transactions of a burst of results. With `full` a rollback journal writes those rows once, into the
  // file, and journals only the few pages a transaction changes (page 1, the interior page, the last leaf): about
  // 0.65 of what a write-ahead log writes, which copies every page twice (log, then checkpoint) and dirties its
  // shared-memory index (-shm, a file on the SD card too). Durable the same way (every commit synced; a crash or
  // power cut rolls back a transaction half done). PERSIST keeps the journal file and zeroes its header at commit:
  // no file created, deleted or truncated, so no metadata written per commit. Readers (the health probe, sqlite3
  // on the quarantine) still read beside the agent. The write-ahead log stays with `normal` (a rollback journal
  // synced less can be corrupted by a power cut, a write-ahead log cannot) and with `spillAfterMs` 0, where every
  // result and confirmation is a small transaction of its own: there a log synced once per commit, and not for
  // confirmations, writes less.
  const wal = synchronous !== 'full' || spillAfterMs === 0;
  db.pragma(`journal_mode = ${wal ? 'WAL' : 'PERSIST'}`);
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  // Checkpoints are the agent's to schedule (`checkpoint()`), off the commit path: fewer, larger writes to the
  // database file, which an SD card prefers to a checkpoint every 1,000 pages in the middle of a commit.
  db.pragma('wal_autocheckpoint = 0');
  // After a burst (an outage's backlog) the log (or the persistent journal) would otherwise keep its high-water
  // size on disk for ever: once checkpointed (committed), it is cut back to this.
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  return { wal };
}

/**
 * A file made before PAGE_SIZE (or by another build) gets it once it holds no results: rebuilding it then costs its
 * schema, cursors and quarantine. Only for a rollback journal: in WAL mode the page size is fixed.
 */
export function adoptPageSize(db: Database.Database): void {
  if ((db.pragma('page_size', { simple: true }) as number) === PAGE_SIZE) return;
  try {
    db.pragma(`page_size = ${PAGE_SIZE}`);
    db.exec('VACUUM');
  } catch {
    // No room for the copy (a full disk): the file keeps its pages, which work as well, only a little dearer.
  }
}
