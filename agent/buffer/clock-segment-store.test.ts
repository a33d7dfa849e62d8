import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RuleResult } from '../../rules/rule-result.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import type { ClockSegment } from '../clock/agent-clock.js';
import { Outbox } from './outbox.js';

const STALE = Date.UTC(2026, 0, 1, 0, 0, 0);
const THREE_DAYS = 3 * 86_400_000;

function window(n: number): RuleResult {
  return { kind: 'window', rule: 'r', source: 'sim', sensor: 't', tags: {}, start: STALE + n * 10_000, end: STALE + (n + 1) * 10_000, values: { count: n } };
}

function segment(id: number, bootId = 'boot-1'): ClockSegment {
  return { id, bootId, offset: STALE - 5_000 - id * 0.125, synchronised: false, correction: undefined };
}

describe('clock segments in the buffer', () => {
  let dir: TempDir;
  let file: string;
  const open: Outbox[] = [];

  beforeEach(async () => {
    dir = await makeTempDir('clock-segments');
    file = path.join(dir.path, 'buffer.sqlite');
  });

  afterEach(async () => {
    for (const outbox of open.splice(0)) outbox.close(STALE);
    await dir.remove();
  });

  function openOutbox(): Outbox {
    const outbox = new Outbox(file, { synchronous: 'normal', maxResults: 1_000 });
    outbox.open(['mqtt'], STALE);
    open.push(outbox);
    return outbox;
  }

  function restart(outbox: Outbox): Outbox {
    outbox.close(STALE);
    open.splice(open.indexOf(outbox), 1);
    return openOutbox();
  }

  /** A result stamped in `stamped` at a time of its own, committed with the segment as the agent does: queued when it began. */
  function stampedResult(outbox: Outbox, n: number, stamped: ClockSegment): void {
    outbox.keepSegment(stamped);
    outbox.append(window(n), { segment: stamped.id, boot: stamped.bootId, monotonic: 5_000 + n });
    outbox.commit(STALE);
  }

  it('keeps the segments of buffered results across a restart, each boot apart, with their exact offsets', () => {
    let outbox = openOutbox();
    stampedResult(outbox, 1, segment(1));
    stampedResult(outbox, 2, segment(2));
    stampedResult(outbox, 3, segment(1, 'boot-0'));
    outbox = restart(outbox);
    expect(outbox.clockSegments('boot-1')).toEqual([segment(1), segment(2)]);
    expect(outbox.clockSegments('boot-0')).toEqual([segment(1, 'boot-0')]);
    expect(outbox.clockSegments('boot-2')).toEqual([]);
  });

  it('stores a correction at the next commit, also one that carries no result', () => {
    let outbox = openOutbox();
    const first = segment(1);
    stampedResult(outbox, 1, first);
    first.correction = THREE_DAYS;
    outbox.keepSegment(first);
    expect(outbox.commit(STALE)).toBe(0);
    outbox = restart(outbox);
    expect(outbox.clockSegments('boot-1')).toEqual([{ ...segment(1), correction: THREE_DAYS }]);
  });

  it('forgets, when it opens, the segments no buffered result refers to any more', () => {
    let outbox = openOutbox();
    stampedResult(outbox, 1, segment(1));
    stampedResult(outbox, 2, segment(2));
    outbox.keepSegment(segment(3)); // the segment a run stopped in, before anything was stamped in it
    stampedResult(outbox, 3, segment(9, 'boot-0'));
    outbox.acknowledge('mqtt', 1); // the result of segment 1 delivered
    outbox = restart(outbox);
    expect(outbox.clockSegments('boot-1')).toEqual([segment(2)]);
    expect(outbox.clockSegments('boot-0')).toEqual([segment(9, 'boot-0')]);
    outbox.acknowledge('mqtt', 3);
    outbox = restart(outbox);
    expect(outbox.clockSegments('boot-1')).toEqual([]);
    expect(outbox.clockSegments('boot-0')).toEqual([]);
  });

  it('upgrades a schema 3 buffer in place, its stamped backlog kept', () => {
    const db = new Database(file);
    db.exec(`
      CREATE TABLE results (seq INTEGER PRIMARY KEY AUTOINCREMENT, created_at INTEGER NOT NULL, rule TEXT NOT NULL,
        payload TEXT NOT NULL, kind TEXT NOT NULL DEFAULT 'window', bytes INTEGER NOT NULL DEFAULT 0, clock TEXT);
      CREATE TABLE sink_cursors (sink TEXT PRIMARY KEY, acked_seq INTEGER NOT NULL) WITHOUT ROWID;
      PRAGMA user_version = 3;
    `);
    const payload = JSON.stringify(window(1));
    db.prepare('INSERT INTO results (created_at, rule, payload, bytes, clock) VALUES (?, ?, ?, ?, ?)').run(
      STALE, 'r', payload, payload.length, JSON.stringify({ segment: 1, boot: 'boot-1/3f2a9c1e' }),
    );
    db.close();
    const outbox = openOutbox();
    expect(outbox.pending('mqtt', 10, new Set(['r'])).batch).toEqual([
      expect.objectContaining({ result: window(1), clock: { segment: 1, boot: 'boot-1/3f2a9c1e' } }),
    ]);
    // A run before schema 4 kept its segments in memory only: nothing to carry on, its results stay unsynchronised.
    expect(outbox.clockSegments('boot-1')).toEqual([]);
    stampedResult(outbox, 2, segment(1));
    expect(restart(outbox).clockSegments('boot-1')).toEqual([segment(1)]);
    const upgraded = new Database(file, { readonly: true });
    try {
      expect(upgraded.pragma('user_version', { simple: true })).toBe(4);
    } finally {
      upgraded.close();
    }
  });
});
