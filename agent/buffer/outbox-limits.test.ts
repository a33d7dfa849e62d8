import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertResult, RuleResult, WindowResult } from '../../rules/rule-result.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import type { TrimReport } from './backlog-trimmer.js';
import { Outbox, type OutboxOptions } from './outbox.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const RULES = new Set(['climate', 'frost']);

function window(n: number, sensor = 'temperature', values?: Record<string, number>): WindowResult {
  return {
    kind: 'window',
    rule: 'climate',
    source: 'sim',
    sensor,
    tags: { room: 'north' },
    start: NOW + n * 60_000,
    end: NOW + (n + 1) * 60_000,
    values: values ?? { count: 6, sum: 6 * n, min: n - 1, max: n + 1, mean: n },
  };
}

function alert(n: number): AlertResult {
  return {
    kind: 'alert',
    rule: 'frost',
    source: 'sim',
    sensor: 'temperature',
    tags: {},
    timestamp: NOW + n * 60_000,
    state: 'firing',
    previous: 'pending',
    detector: 'threshold',
    severity: 'critical',
    value: -2,
    message: `frost ${n}`,
    since: NOW,
  };
}

describe('Outbox limits, quarantine and ids', () => {
  let dir: TempDir;
  let file: string;
  const open: Outbox[] = [];
  const trims: TrimReport[] = [];

  beforeEach(async () => {
    dir = await makeTempDir('outbox-limits');
    file = path.join(dir.path, 'buffer.sqlite');
    trims.length = 0;
  });

  afterEach(async () => {
    for (const outbox of open.splice(0)) outbox.close(NOW);
    await dir.remove();
  });

  function openOutbox(sinks: readonly string[], options: Partial<OutboxOptions> = {}): Outbox {
    const outbox = new Outbox(file, { synchronous: 'normal', maxResults: 1_000, onTrim: (r) => trims.push(r), agentName: 'pi-1', ...options });
    outbox.open(sinks, NOW);
    open.push(outbox);
    return outbox;
  }

  function commit(outbox: Outbox, results: readonly RuleResult[]): void {
    for (const result of results) outbox.append(result);
    outbox.commit(NOW);
  }

  function everything(outbox: Outbox, sink: string): RuleResult[] {
    return outbox.pending(sink, 100_000, RULES).batch.map((item) => item.result);
  }

  function stored(): { rows: number; bytes: number } {
    const db = new Database(file, { readonly: true });
    try {
      const row = db.prepare('SELECT COUNT(*) AS rows, SUM(length(CAST(payload AS BLOB))) AS bytes FROM results').get() as { rows: number; bytes: number | null };
      return { rows: row.rows, bytes: row.bytes ?? 0 };
    } finally {
      db.close();
    }
  }

  it('compacts the oldest windows of a series before dropping anything, keeping count and sum exact', () => {
    const outbox = openOutbox(['influx'], { maxResults: 20 });
    const windows = Array.from({ length: 30 }, (_, n) => window(n));
    for (const slice of [windows.slice(0, 10), windows.slice(10, 20), windows.slice(20)]) commit(outbox, slice);

    const held = everything(outbox, 'influx') as WindowResult[];
    expect(held.length).toBeLessThanOrEqual(20);
    expect(outbox.droppedResults).toBe(0);
    expect(outbox.compactedResults).toBe(30 - held.length);
    const total = (key: string) => held.reduce((sum, w) => sum + w.values[key]!, 0);
    expect(total('count')).toBe(6 * 30);
    expect(total('sum')).toBe(windows.reduce((sum, w) => sum + w.values['sum']!, 0));
    expect(Math.min(...held.map((w) => w.values['min']!))).toBe(-1);
    // Every minute is covered once, in order, compacted or not.
    expect(held[0]!.start).toBe(NOW);
    for (let i = 1; i < held.length; i++) expect(held[i]!.start).toBe(held[i - 1]!.end);
    expect(held[held.length - 1]!.end).toBe(NOW + 30 * 60_000);
    expect(held.reduce((n, w) => n + (w.compacted ?? 1), 0)).toBe(30);
    expect(trims[0]).toMatchObject({ limit: 'rows', dropped: 0, droppedPriority: 0 });
    expect(outbox.size).toEqual(stored());
  });

  it('drops the oldest windows, never an alert, when compaction cannot make room', () => {
    const outbox = openOutbox(['influx'], { maxResults: 4 });
    commit(outbox, [alert(0), window(1, 'a'), window(2, 'b'), alert(3), window(4, 'c'), window(5, 'd'), window(6, 'e')]);
    const held = everything(outbox, 'influx');
    expect(held.map((r) => (r.kind === 'alert' ? r.message : r.sensor))).toEqual(['frost 0', 'frost 3', 'd', 'e']);
    expect(outbox.droppedResults).toBe(3);
    expect(trims.at(-1)).toMatchObject({ dropped: 3, droppedPriority: 0 });
  });

  it('drops alerts too, oldest first, when nothing else is left', () => {
    const outbox = openOutbox(['influx'], { maxResults: 2 });
    commit(outbox, [alert(0), alert(1), window(2, 'a'), alert(3)]);
    expect(everything(outbox, 'influx').map((r) => (r.kind === 'alert' ? r.message : r.sensor))).toEqual(['frost 1', 'frost 3']);
    expect(trims.at(-1)).toMatchObject({ dropped: 1, droppedPriority: 1 });
  });

  it('keeps the stored JSON within max_bytes, measured in bytes', () => {
    const results = Array.from({ length: 12 }, (_, n) => window(10 + n, `ü-sensor-${10 + n}`));
    // Room for the newest five and a little: not for a sixth.
    const maxBytes = results.slice(-5).reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r)), 0) + 3;
    const outbox = openOutbox(['influx'], { maxBytes });
    commit(outbox, results);
    expect(outbox.size.bytes).toBeLessThanOrEqual(maxBytes);
    expect(outbox.size).toEqual(stored());
    expect(everything(outbox, 'influx').map((r) => r.sensor)).toEqual(['ü-sensor-17', 'ü-sensor-18', 'ü-sensor-19', 'ü-sensor-20', 'ü-sensor-21']);
    expect(trims.at(-1)).toMatchObject({ limit: 'bytes', dropped: 7 });
  });

  it('never merges windows across a sink’s cursor, so no sink gets a window twice', () => {
    const outbox = openOutbox(['fast', 'slow'], { maxResults: 10 });
    commit(outbox, Array.from({ length: 6 }, (_, n) => window(n)));
    outbox.acknowledge('fast', 3);
    commit(outbox, Array.from({ length: 6 }, (_, n) => window(6 + n)));

    const fast = everything(outbox, 'fast') as WindowResult[];
    const slow = everything(outbox, 'slow') as WindowResult[];
    // fast already has minutes 0–2: what it is offered starts at minute 3 and covers each later minute once.
    expect(fast[0]!.start).toBe(NOW + 3 * 60_000);
    expect(fast.reduce((n, w) => n + (w.compacted ?? 1), 0)).toBe(9);
    expect(slow.reduce((n, w) => n + (w.compacted ?? 1), 0)).toBe(12);
    expect(slow.reduce((n, w) => n + w.values['count']!, 0)).toBe(72);
  });

  it('does not merge a revision with the window it revises', () => {
    const outbox = openOutbox(['influx'], { maxResults: 3 });
    const revised = { ...window(0, 'temperature', { count: 7, sum: 7, min: 0, max: 2, mean: 1 }), revision: 1 };
    commit(outbox, [window(0), revised, window(1), window(2)]);
    const held = everything(outbox, 'influx') as WindowResult[];
    // The revision starts a run of its own (with the windows after it); the first emission stays apart. Merging both
    // would count minute 0 twice (6 + 7); as it is, the merged window at minute 0 replaces the first emission upstream.
    expect(held.map((w) => [w.start - NOW, w.end - NOW, w.values['count'], w.compacted])).toEqual([
      [0, 60_000, 6, undefined],
      [0, 180_000, 7 + 6 + 6, 3],
    ]);
  });

  it('moves rejected results to the quarantine with the reason, keeping the newest max_quarantined', () => {
    const outbox = openOutbox(['influx'], { maxQuarantined: 2 });
    commit(outbox, [window(0), window(1), window(2)]);
    const { batch } = outbox.pending('influx', 10, RULES);
    outbox.quarantine('influx', batch, 'HTTP 400: field type conflict', NOW + 5);
    expect(outbox.quarantinedResults).toBe(3);
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT sink, seq, reason, quarantined_at, payload FROM quarantine ORDER BY id').all() as Record<string, unknown>[];
    db.close();
    expect(rows.map((r) => r['seq'])).toEqual([2, 3]);
    expect(rows[0]).toMatchObject({ sink: 'influx', reason: 'HTTP 400: field type conflict', quarantined_at: NOW + 5 });
    expect(JSON.parse(rows[1]!['payload'] as string)).toEqual(window(2));
  });

  it('gives every result an id that is stable across reopen and differs between series and times', () => {
    const first = openOutbox(['influx']);
    commit(first, [window(0), window(1), window(0, 'humidity'), { ...window(0), revision: 1 }]);
    const ids = first.pending('influx', 10, RULES).batch.map((item) => item.id);
    first.close(NOW);
    open.splice(open.indexOf(first), 1);
    const again = openOutbox(['influx']).pending('influx', 10, RULES).batch;
    expect(again.map((item) => item.id)).toEqual(ids);
    expect(new Set(ids.slice(0, 3)).size).toBe(3);
    expect(ids[3]).toBe(ids[0]); // a revision replaces the window: same id
    expect(ids[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(again[0]!.createdAt).toBe(NOW);
    const otherAgent = new Outbox(path.join(dir.path, 'other.sqlite'), { synchronous: 'normal', maxResults: 10, agentName: 'pi-2' });
    otherAgent.open(['influx']);
    commit(otherAgent, [window(0)]);
    expect(otherAgent.pending('influx', 10, RULES).batch[0]!.id).not.toBe(ids[0]);
    otherAgent.close(NOW);
  });

  it('moves a corrupt file aside, says so, and starts with an empty buffer', () => {
    writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const outbox = new Outbox(file, { synchronous: 'normal', maxResults: 10 });
    const outcome = outbox.open(['influx'], NOW);
    open.push(outbox);
    expect(outcome.movedAside).toBe(`${file}.corrupt-2024-05-01T12-00-00-000Z`);
    expect(outcome.reason).toMatch(/not a database|malformed/);
    expect(readdirSync(dir.path).sort()).toEqual(
      expect.arrayContaining(['buffer.sqlite', 'buffer.sqlite.corrupt-2024-05-01T12-00-00-000Z']),
    );
    commit(outbox, [window(0)]);
    expect(outbox.pending('influx', 10, RULES).batch).toHaveLength(1);
  });

  it('upgrades a schema 1 buffer in place, keeping its backlog and measuring it', () => {
    const db = new Database(file);
    db.exec(`
      CREATE TABLE results (seq INTEGER PRIMARY KEY AUTOINCREMENT, created_at INTEGER NOT NULL, rule TEXT NOT NULL, payload TEXT NOT NULL);
      CREATE TABLE sink_cursors (sink TEXT PRIMARY KEY, acked_seq INTEGER NOT NULL) WITHOUT ROWID;
      PRAGMA user_version = 1;
    `);
    const insert = db.prepare('INSERT INTO results (created_at, rule, payload) VALUES (?, ?, ?)');
    insert.run(NOW, 'climate', JSON.stringify(window(0)));
    insert.run(NOW, 'frost', JSON.stringify(alert(1)));
    db.close();
    const outbox = openOutbox(['influx'], { maxResults: 1 });
    expect(outbox.size).toEqual(stored());
    commit(outbox, [window(5, 'other')]);
    // Over the limit of 1: the window goes before the alert, which the upgrade recognised as one.
    expect(everything(outbox, 'influx').map((r) => r.kind)).toEqual(['alert']);
  });
});
