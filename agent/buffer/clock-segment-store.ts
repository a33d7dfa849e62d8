import type Database from 'better-sqlite3';
import type { ClockSegment } from '../clock/agent-clock.js';

/**
 * Schema 4 of the buffer: the clock segments its results were stamped in, and an index of the results that carry a
 * stamp (only those made while the clock was not synchronised, so it stays small) to find the segments still in use.
 */
export const CLOCK_SEGMENTS_SCHEMA = `
  CREATE TABLE IF NOT EXISTS clock_segments (
    boot TEXT NOT NULL,
    id INTEGER NOT NULL,
    offset_ms REAL NOT NULL,
    synchronised INTEGER NOT NULL,
    correction_ms REAL,
    PRIMARY KEY (boot, id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS results_clock ON results (clock) WHERE clock IS NOT NULL;
`;

interface SegmentRow {
  readonly id: number;
  readonly offset_ms: number;
  readonly synchronised: number;
  readonly correction_ms: number | null;
}

/**
 * The clock segments (see AgentClock) kept in the buffer's file beside the results stamped in them, so that results
 * made before the clock synchronised are still re-dated when the agent restarts within the same boot (systemd
 * restarting it before NTP answered). The Outbox writes them in the transaction of the results that follow, so no
 * stored result refers to a segment that is not stored.
 */
export class ClockSegmentStore {
  private readonly ofBoot: Database.Statement<[string], SegmentRow>;
  private readonly upsert: Database.Statement<[string, number, number, number, number | null]>;
  private readonly stamps: Database.Statement<[], { boot: string; segment: number }>;
  private readonly all: Database.Statement<[], { boot: string; id: number }>;
  private readonly remove: Database.Statement<[string, number]>;

  /** `db` must hold CLOCK_SEGMENTS_SCHEMA. */
  constructor(private readonly db: Database.Database) {
    this.ofBoot = db.prepare('SELECT id, offset_ms, synchronised, correction_ms FROM clock_segments WHERE boot = ? ORDER BY id');
    this.upsert = db.prepare(
      `INSERT INTO clock_segments (boot, id, offset_ms, synchronised, correction_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (boot, id) DO UPDATE SET offset_ms = excluded.offset_ms, synchronised = excluded.synchronised,
         correction_ms = excluded.correction_ms`,
    );
    // Each stamp also holds when its result was buffered: the segments in use are the distinct (boot, segment) pairs.
    this.stamps = db.prepare(
      "SELECT DISTINCT json_extract(clock, '$.boot') AS boot, json_extract(clock, '$.segment') AS segment FROM results WHERE clock IS NOT NULL",
    );
    this.all = db.prepare('SELECT boot, id FROM clock_segments');
    this.remove = db.prepare('DELETE FROM clock_segments WHERE boot = ? AND id = ?');
  }

  /** The stored segments of one boot, oldest first: an earlier run's, for the AgentClock of this one. */
  ofBootId(boot: string): ClockSegment[] {
    return this.ofBoot.all(boot).map((row) => ({
      id: row.id,
      bootId: boot,
      offset: row.offset_ms,
      synchronised: row.synchronised === 1,
      correction: row.correction_ms ?? undefined,
    }));
  }

  /** Stores segments as they are now (new, or with their correction); the caller holds the transaction. */
  write(segments: Iterable<ClockSegment>): void {
    for (const segment of segments) {
      this.upsert.run(segment.bootId, segment.id, segment.offset, segment.synchronised ? 1 : 0, segment.correction ?? null);
    }
  }

  /**
   * Deletes the segments no buffered result refers to any more (delivered everywhere, or of a boot long gone); returns
   * how many. Only while no agent runs on the file: a running agent's current segment may have no result yet.
   */
  pruneUnreferenced(): number {
    const used = new Set<string>();
    for (const { boot, segment } of this.stamps.all()) used.add(key(boot, segment));
    let removed = 0;
    this.db.transaction(() => {
      for (const { boot, id } of this.all.all()) {
        if (used.has(key(boot, id))) continue;
        this.remove.run(boot, id);
        removed += 1;
      }
    })();
    return removed;
  }
}

function key(boot: string, id: number): string {
  return `${boot}\n${id}`;
}
