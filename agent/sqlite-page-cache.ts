import type Database from 'better-sqlite3';

/**
 * How much of a SQLite file one of the agent's connections keeps in memory. better-sqlite3 builds SQLite with a
 * 16 MB page cache per connection (SQLite's own default is 2 MB), and the agent's files are written at their end and
 * rarely read back: the history's connection came to hold the whole file it wrote (an hour of 20 sensors at 1 Hz:
 * 6.5 MB more resident memory after an hour, up to 16 MB per file on a device that keeps more). The operating
 * system caches the file anyway; these limits hold what a connection itself keeps.
 */
export const PAGE_CACHE_KIB = {
  /** A connection that writes (buffer, history, alert state): SQLite's own default, room for a commit's pages. */
  writer: 2048,
  /** A read-only connection that answers one query or a few (live page, CLI, buffer probe). */
  reader: 256,
} as const;

export function limitPageCache(db: Database.Database, kind: keyof typeof PAGE_CACHE_KIB): void {
  db.pragma(`cache_size = -${PAGE_CACHE_KIB[kind]}`);
}
