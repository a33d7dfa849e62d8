import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RuleResult } from '../../rules/rule-result.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { Outbox, type OutboxOptions } from './outbox.js';
import { PAGE_SIZE, WAL_SIZE_LIMIT_BYTES } from './buffer-file-settings.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const ALL_RULES = new Set(['r', 'a', 'b']);

function result(n: number, rule = 'r'): RuleResult {
  return {
    kind: 'window',
    rule,
    source: 'sim',
    sensor: 'greenhouse/temperature',
    tags: { room: 'north' },
    start: NOW + n * 10_000,
    end: NOW + (n + 1) * 10_000,
    values: { count: n, mean: n + 0.5 },
  };
}

describe('Outbox', () => {
  let dir: TempDir;
  let file: string;
  const open: Outbox[] = [];

  beforeEach(async () => {
    dir = await makeTempDir('outbox');
    file = path.join(dir.path, 'data', 'buffer.sqlite');
  });

  afterEach(async () => {
    for (const outbox of open.splice(0)) outbox.close(NOW);
    await dir.remove();
  });

  function openOutbox(sinks: readonly string[], options: Partial<OutboxOptions> = {}): Outbox {
    const outbox = new Outbox(file, { synchronous: 'normal', maxResults: 1_000, ...options });
    outbox.open(sinks);
    open.push(outbox);
    return outbox;
  }

  function closeOutbox(outbox: Outbox): void {
    outbox.close(NOW);
    open.splice(open.indexOf(outbox), 1);
  }

  function commitResults(outbox: Outbox, from: number, to: number, rule = 'r'): void {
    for (let n = from; n <= to; n++) outbox.append(result(n, rule));
    outbox.commit(NOW);
  }

  /** Results of a different sensor each, so no two can be compacted: what is tested is dropping. */
  function commitDistinct(outbox: Outbox, from: number, to: number): void {
    for (let n = from; n <= to; n++) outbox.append({ ...result(n), sensor: `sensor-${n}` } as RuleResult);
    outbox.commit(NOW);
  }

  function pendingSeqs(outbox: Outbox, sink: string, limit = 100, rules: ReadonlySet<string> = ALL_RULES): number[] {
    return outbox.pending(sink, limit, rules).batch.map((item) => item.seq);
  }

  function rowCount(): number {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n;
    } finally {
      db.close();
    }
  }

  it('creates the file and its directory on open', () => {
    const outbox = openOutbox(['mqtt']);
    expect(outbox.isOpen).toBe(true);
    expect(rowCount()).toBe(0);
  });

  it('returns committed results in sequence order, exactly as they were appended', () => {
    const outbox = openOutbox(['mqtt']);
    for (const n of [1, 2, 3]) outbox.append(result(n));
    expect(outbox.commit(NOW)).toBe(3);
    const { batch } = outbox.pending('mqtt', 10, ALL_RULES);
    expect(batch.map((item) => item.seq)).toEqual([1, 2, 3]);
    expect(batch.map((item) => item.result)).toEqual([result(1), result(2), result(3)]);
  });

  it('shows nothing to a sink before commit', () => {
    const outbox = openOutbox(['mqtt']);
    outbox.append(result(1));
    outbox.append(result(2));
    expect(outbox.queuedCount).toBe(2);
    expect(pendingSeqs(outbox, 'mqtt')).toEqual([]);
    expect(rowCount()).toBe(0);
    outbox.commit(NOW);
    expect(outbox.queuedCount).toBe(0);
    expect(pendingSeqs(outbox, 'mqtt')).toEqual([1, 2]);
  });

  it('commits nothing when nothing is queued', () => {
    const outbox = openOutbox(['mqtt']);
    expect(outbox.commit(NOW)).toBe(0);
    expect(pendingSeqs(outbox, 'mqtt')).toEqual([]);
  });

  it('hands out at most limit results at a time, oldest first', () => {
    const outbox = openOutbox(['mqtt']);
    commitResults(outbox, 1, 5);
    expect(outbox.pending('mqtt', 2, ALL_RULES)).toMatchObject({ lastSeq: 2, scanned: 2 });
    expect(pendingSeqs(outbox, 'mqtt', 2)).toEqual([1, 2]);
  });

  it('moves the cursor forward on acknowledge and prunes what every sink has', () => {
    const outbox = openOutbox(['mqtt']);
    commitResults(outbox, 1, 5);
    outbox.acknowledge('mqtt', 3);
    expect(pendingSeqs(outbox, 'mqtt')).toEqual([4, 5]);
    expect(rowCount()).toBe(2);
    expect(outbox.backlog()).toEqual([{ sink: 'mqtt', pending: 2 }]);
  });

  it('ignores an acknowledge that would move the cursor back', () => {
    const outbox = openOutbox(['mqtt']);
    commitResults(outbox, 1, 5);
    outbox.acknowledge('mqtt', 4);
    outbox.acknowledge('mqtt', 2);
    expect(pendingSeqs(outbox, 'mqtt')).toEqual([5]);
  });

  it('keeps a row until both of two sinks have acknowledged it', () => {
    const outbox = openOutbox(['mqtt', 'influx']);
    commitResults(outbox, 1, 4);
    outbox.acknowledge('mqtt', 4);
    expect(pendingSeqs(outbox, 'mqtt')).toEqual([]);
    expect(pendingSeqs(outbox, 'influx')).toEqual([1, 2, 3, 4]);
    expect(rowCount()).toBe(4);

    outbox.acknowledge('influx', 2);
    expect(rowCount()).toBe(2);
    outbox.acknowledge('influx', 4);
    expect(rowCount()).toBe(0);
    expect(outbox.backlog()).toEqual([
      { sink: 'mqtt', pending: 0 },
      { sink: 'influx', pending: 0 },
    ]);
  });

  it('refuses a sink it has no cursor for', () => {
    const outbox = openOutbox(['mqtt']);
    expect(() => outbox.pending('nope', 10, ALL_RULES)).toThrow('sink "nope" has no cursor in the buffer');
  });

  it('keeps unacknowledged results and every cursor across a restart', () => {
    const first = openOutbox(['mqtt', 'influx']);
    commitResults(first, 1, 5);
    first.acknowledge('mqtt', 3);
    first.acknowledge('influx', 1);
    first.append(result(6)); // queued only: close commits it
    closeOutbox(first);
    expect(first.isOpen).toBe(false);

    const second = openOutbox(['mqtt', 'influx']);
    expect(second.pending('mqtt', 10, ALL_RULES).batch.map((item) => [item.seq, item.result])).toEqual([
      [4, result(4)],
      [5, result(5)],
      [6, result(6)],
    ]);
    expect(pendingSeqs(second, 'influx')).toEqual([2, 3, 4, 5, 6]);
    expect(second.backlog()).toEqual([
      { sink: 'mqtt', pending: 3 },
      { sink: 'influx', pending: 5 },
    ]);
  });

  it('no longer holds rows back for a sink removed from the config', () => {
    const first = openOutbox(['mqtt', 'old']);
    commitResults(first, 1, 4);
    first.acknowledge('mqtt', 4);
    expect(rowCount()).toBe(4);
    closeOutbox(first);

    const second = openOutbox(['mqtt']);
    expect(rowCount()).toBe(0);
    expect(second.backlog()).toEqual([{ sink: 'mqtt', pending: 0 }]);
    expect(() => second.pending('old', 10, ALL_RULES)).toThrow(/has no cursor/);
  });

  it('forgets a removed sink also when the same Outbox is reopened', () => {
    const outbox = openOutbox(['mqtt', 'old']);
    commitResults(outbox, 1, 4);
    outbox.acknowledge('mqtt', 4);
    outbox.close(NOW);

    outbox.open(['mqtt']);
    expect(outbox.backlog()).toEqual([{ sink: 'mqtt', pending: 0 }]);
    commitResults(outbox, 5, 5);
    outbox.acknowledge('mqtt', 5);
    expect(rowCount()).toBe(0);
  });

  it('gives a newly added sink the backlog the buffer still holds', () => {
    const first = openOutbox(['mqtt']);
    commitResults(first, 1, 5);
    first.acknowledge('mqtt', 2);
    closeOutbox(first);

    const second = openOutbox(['mqtt', 'influx']);
    expect(pendingSeqs(second, 'influx')).toEqual([3, 4, 5]);
    expect(pendingSeqs(second, 'mqtt')).toEqual([3, 4, 5]);
  });

  it('starts a newly added sink at the next result when nothing is held', () => {
    const first = openOutbox(['mqtt']);
    commitResults(first, 1, 3);
    first.acknowledge('mqtt', 3);
    closeOutbox(first);

    const second = openOutbox(['mqtt', 'influx']);
    expect(pendingSeqs(second, 'influx')).toEqual([]);
    commitResults(second, 4, 4);
    expect(pendingSeqs(second, 'influx')).toEqual([4]);
  });

  it('drops the oldest results beyond max_results and counts them', () => {
    const outbox = openOutbox(['mqtt'], { maxResults: 3 });
    commitDistinct(outbox, 1, 5);
    expect(outbox.droppedResults).toBe(2);
    expect(pendingSeqs(outbox, 'mqtt')).toEqual([3, 4, 5]);
    expect(rowCount()).toBe(3);

    commitDistinct(outbox, 6, 6);
    expect(outbox.droppedResults).toBe(3);
    expect(pendingSeqs(outbox, 'mqtt')).toEqual([4, 5, 6]);
  });

  it('does not drop anything while the backlog fits in max_results', () => {
    const outbox = openOutbox(['mqtt'], { maxResults: 3 });
    commitDistinct(outbox, 1, 3);
    outbox.acknowledge('mqtt', 2);
    commitDistinct(outbox, 4, 5);
    expect(outbox.droppedResults).toBe(0);
    expect(pendingSeqs(outbox, 'mqtt')).toEqual([3, 4, 5]);
  });

  it('drops by the slowest sink and leaves a faster sink’s cursor where it is', () => {
    const outbox = openOutbox(['fast', 'slow'], { maxResults: 3 });
    commitDistinct(outbox, 1, 3);
    outbox.acknowledge('fast', 3);
    commitDistinct(outbox, 4, 5);
    expect(outbox.droppedResults).toBe(2);
    expect(pendingSeqs(outbox, 'slow')).toEqual([3, 4, 5]);
    expect(pendingSeqs(outbox, 'fast')).toEqual([4, 5]);
    expect(rowCount()).toBe(3);
  });

  it('keeps nothing when no sink is configured', () => {
    const outbox = openOutbox([]);
    commitResults(outbox, 1, 3);
    expect(rowCount()).toBe(0);
    expect(outbox.backlog()).toEqual([]);
  });

  it('filters pending by rule while reporting how far it scanned, so a forwarder can skip other rules', () => {
    const outbox = openOutbox(['mqtt']);
    outbox.append(result(1, 'a'));
    outbox.append(result(2, 'b'));
    outbox.append(result(3, 'b'));
    outbox.append(result(4, 'a'));
    outbox.commit(NOW);

    const onlyA = new Set(['a']);
    const first = outbox.pending('mqtt', 3, onlyA);
    expect(first.batch.map((item) => item.seq)).toEqual([1]);
    expect(first).toMatchObject({ scanned: 3, lastSeq: 3 });

    outbox.acknowledge('mqtt', first.lastSeq);
    const second = outbox.pending('mqtt', 3, onlyA);
    expect(second.batch.map((item) => [item.seq, item.result.rule])).toEqual([[4, 'a']]);
    expect(second).toMatchObject({ scanned: 1, lastSeq: 4 });
  });

  it('reports the cursor as lastSeq and nothing scanned when a sink is up to date', () => {
    const outbox = openOutbox(['mqtt']);
    commitResults(outbox, 1, 2);
    outbox.acknowledge('mqtt', 2);
    expect(outbox.pending('mqtt', 10, ALL_RULES)).toEqual({ batch: [], lastSeq: 2, scanned: 0 });
  });

  it('reports a full scan with an empty batch when every row belongs to other rules', () => {
    const outbox = openOutbox(['mqtt']);
    commitResults(outbox, 1, 3, 'b');
    expect(outbox.pending('mqtt', 10, new Set(['a']))).toEqual({ batch: [], lastSeq: 3, scanned: 3 });
  });

  it('never reuses a sequence number, even after every row was pruned and the file reopened', () => {
    const first = openOutbox(['mqtt']);
    commitResults(first, 1, 3);
    first.acknowledge('mqtt', 3);
    expect(rowCount()).toBe(0);
    closeOutbox(first);

    const second = openOutbox(['mqtt']);
    commitResults(second, 4, 4);
    expect(pendingSeqs(second, 'mqtt')).toEqual([4]);
  });

  it('stores the buffer in WAL mode with synchronous normal or spill_after 0, with a rollback journal with full and spill_after', () => {
    openOutbox(['mqtt']);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(4);
      expect(db.pragma('page_size', { simple: true })).toBe(PAGE_SIZE);
    } finally {
      db.close();
    }
    const full = new Outbox(path.join(dir.path, 'full.sqlite'), { synchronous: 'full', maxResults: 10, spillAfterMs: 5_000 });
    full.open(['mqtt']);
    try {
      // Only WAL is kept in the file: a new connection to a rollback-journal file reads the default, 'delete'.
      const db2 = new Database(full.file, { readonly: true });
      expect(db2.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(db2.pragma('page_size', { simple: true })).toBe(PAGE_SIZE);
      db2.close();
      expect(full.checkpoint()).toBe(0);
    } finally {
      full.close(NOW);
    }
  });

  it('with synchronous full and spill_after, gives an empty file made with 4 KB pages the smaller pages at open (a WAL file too)', () => {
    const old = path.join(dir.path, 'old.sqlite');
    const made = new Database(old);
    made.pragma('page_size = 4096');
    made.pragma('journal_mode = WAL');
    made.exec('CREATE TABLE t (x)');
    made.close();
    const outbox = new Outbox(old, { synchronous: 'full', maxResults: 10, spillAfterMs: 5_000 });
    outbox.open(['mqtt']);
    commitResults(outbox, 1, 2);
    outbox.close(NOW); // writes the two results still in memory
    const wal = new Outbox(path.join(dir.path, 'zero.sqlite'), { synchronous: 'full', maxResults: 10, spillAfterMs: 0 });
    wal.open(['mqtt']);
    wal.close(NOW);
    const zero = new Database(wal.file, { readonly: true });
    expect(zero.pragma('journal_mode', { simple: true })).toBe('wal');
    zero.close();
    const db = new Database(old, { readonly: true });
    try {
      expect(db.pragma('page_size', { simple: true })).toBe(PAGE_SIZE);
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      expect((db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n).toBe(2);
    } finally {
      db.close();
    }
  });

  it('refuses a file written by a newer schema, saying what to do', () => {
    const db = new Database(path.join(dir.path, 'newer.sqlite'));
    db.pragma('user_version = 5');
    db.close();
    const outbox = new Outbox(path.join(dir.path, 'newer.sqlite'), { synchronous: 'full', maxResults: 10 });
    expect(() => outbox.open(['mqtt'])).toThrow(
      `buffer ${path.join(dir.path, 'newer.sqlite')} was written by a newer Tributary (schema 5); upgrade, or move the file away`,
    );
    expect(outbox.isOpen).toBe(false);
  });

  it('refuses to work before open and after close', () => {
    const outbox = new Outbox(file, { synchronous: 'normal', maxResults: 10 });
    outbox.append(result(1));
    expect(() => outbox.commit(NOW)).toThrow('the buffer is not open');
    outbox.close(NOW); // closing a buffer that never opened is harmless
  });

  it('leaves checkpoints to the agent: the log grows with commits and is copied into the file on checkpoint()', async () => {
    const { statSync } = await import('node:fs');
    const outbox = openOutbox(['a'], { maxResults: 100_000 });
    const walSize = () => statSync(`${file}-wal`).size;
    // Far more than the 1,000 pages after which SQLite would checkpoint by itself.
    for (let batch = 0; batch < 40; batch++) commitResults(outbox, batch * 500, batch * 500 + 499);
    const before = statSync(file).size;
    expect(walSize()).toBeGreaterThan(4_096 * 1_000);
    const pages = outbox.checkpoint();
    expect(pages).toBeGreaterThan(1_000);
    expect(statSync(file).size).toBeGreaterThan(before);
    expect(outbox.pending('a', 10, ALL_RULES).batch).toHaveLength(10);
    // The next commit starts the log afresh, and its file is cut back instead of keeping the burst's size.
    commitResults(outbox, 20_000, 20_009);
    expect(walSize()).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
    expect(walSize()).toBeGreaterThan(0);
  });
});
