import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RuleResult } from '../../rules/rule-result.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { Outbox, type OutboxOptions } from './outbox.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const RULES = new Set(['r']);
const SPILL_AFTER = 3_000;

const result = (n: number): RuleResult => ({
  kind: 'window',
  rule: 'r',
  source: 'sim',
  sensor: 'greenhouse/temperature',
  tags: {},
  start: NOW + n * 10_000,
  end: NOW + (n + 1) * 10_000,
  values: { count: n },
});

/** `buffer.spill_after`: results go to the sinks from memory and reach the file only if a sink has not confirmed them. */
describe('Outbox with spill_after', () => {
  let dir: TempDir;
  let file: string;
  /** The monotonic clock the outbox ages results by; tests move it. */
  let clock = 0;
  const opened: Outbox[] = [];

  beforeEach(async () => {
    dir = await makeTempDir('outbox-spill');
    file = path.join(dir.path, 'buffer.sqlite');
    clock = 0;
  });
  afterEach(async () => {
    for (const outbox of opened.splice(0)) outbox.close(NOW);
    await dir.remove();
  });

  function openOutbox(sinks: readonly string[], options: Partial<OutboxOptions> = {}): Outbox {
    const outbox = new Outbox(file, { synchronous: 'full', maxResults: 10_000, spillAfterMs: SPILL_AFTER, monotonic: () => clock, agentName: 'pi', ...options });
    outbox.open(sinks);
    opened.push(outbox);
    return outbox;
  }
  function reopen(outbox: Outbox, sinks: readonly string[], options: Partial<OutboxOptions> = {}): Outbox {
    outbox.close(NOW);
    opened.splice(opened.indexOf(outbox), 1);
    return openOutbox(sinks, options);
  }
  function commit(outbox: Outbox, from: number, to: number): void {
    for (let n = from; n <= to; n++) outbox.append(result(n));
    outbox.commit(NOW);
  }
  /** What another process sees in the file: rows, and a number that changes with every transaction committed. */
  function fileView() {
    const db = new Database(file, { readonly: true });
    return {
      version: () => db.pragma('data_version', { simple: true }) as number,
      seqs: () => (db.prepare('SELECT seq FROM results ORDER BY seq').all() as { seq: number }[]).map((row) => row.seq),
      close: () => db.close(),
    };
  }
  const counts = (outbox: Outbox, sink: string) => outbox.pending(sink, 1_000, RULES).batch.map(({ result }) => (result.kind === 'window' ? result.values['count'] : undefined));

  it('writes nothing but one reservation of numbers while every sink confirms within spill_after', () => {
    const outbox = openOutbox(['mqtt']);
    const view = fileView();
    const start = view.version();
    let before = start;
    for (let round = 0; round < 5; round++) {
      // The first commit reserves the next 100,000 sequence numbers: the one write.
      if (round === 1) {
        expect(view.version()).toBe(start + 1);
        before = view.version();
      }
      commit(outbox, round * 10 + 1, round * 10 + 10);
      const { batch, lastSeq } = outbox.pending('mqtt', 500, RULES);
      expect(batch).toHaveLength(10);
      clock += SPILL_AFTER - 1;
      outbox.acknowledge('mqtt', lastSeq);
    }
    commit(outbox, 51, 51);
    expect(view.version()).toBe(before);
    expect(view.seqs()).toEqual([]);
    expect(outbox.inMemoryCount).toBe(1);
    view.close();
  });

  it('writes what a sink has not confirmed within spill_after, with the numbers and ids the sink saw, and resumes there after a restart', () => {
    let outbox = openOutbox(['mqtt']);
    commit(outbox, 1, 5);
    const seen = outbox.pending('mqtt', 500, RULES).batch;
    outbox.acknowledge('mqtt', seen[1]!.seq);
    clock += SPILL_AFTER;
    commit(outbox, 6, 6);
    const view = fileView();
    // 3 to 5 waited too long; 6 is new; 1 and 2 were confirmed and never written.
    expect(view.seqs()).toEqual([seen[2]!.seq, seen[3]!.seq, seen[4]!.seq]);
    expect(outbox.inMemoryCount).toBe(1);
    // Killed here, without close: what is in the file is what survives.
    const survivor = new Outbox(file, { synchronous: 'full', maxResults: 10_000, spillAfterMs: SPILL_AFTER, agentName: 'pi' });
    outbox = survivor;
    view.close();
    // (the first outbox still holds its connection; a second one reads the same file)
    survivor.open(['mqtt']);
    opened.push(survivor);
    const after = survivor.pending('mqtt', 500, RULES).batch;
    expect(after.map((item) => [item.seq, item.id])).toEqual(seen.slice(2).map((item) => [item.seq, item.id]));
  });

  it('keeps for the slow sink what the fast one confirmed, and writes the cursors with it', () => {
    let outbox = openOutbox(['fast', 'slow']);
    commit(outbox, 1, 4);
    outbox.acknowledge('fast', outbox.pending('fast', 500, RULES).lastSeq);
    clock += SPILL_AFTER;
    outbox.commit(NOW);
    outbox = reopen(outbox, ['fast', 'slow']);
    expect(counts(outbox, 'fast')).toEqual([]);
    expect(counts(outbox, 'slow')).toEqual([1, 2, 3, 4]);
  });

  it('reads the file first, then memory, in order, batch by batch', () => {
    const outbox = openOutbox(['mqtt']);
    commit(outbox, 1, 3);
    clock += SPILL_AFTER;
    commit(outbox, 4, 6);
    expect(outbox.inMemoryCount).toBe(3);
    const first = outbox.pending('mqtt', 4, RULES);
    expect(first.batch.map((item) => item.seq)).toEqual([1, 2, 3, 4]);
    outbox.acknowledge('mqtt', first.lastSeq);
    expect(counts(outbox, 'mqtt')).toEqual([5, 6]);
  });

  it('writes everything unconfirmed at close, and spillAll at once', () => {
    let outbox = openOutbox(['mqtt']);
    commit(outbox, 1, 3);
    expect(outbox.spillAll()).toBe(3);
    commit(outbox, 4, 5);
    outbox = reopen(outbox, ['mqtt']);
    expect(counts(outbox, 'mqtt')).toEqual([1, 2, 3, 4, 5]);
  });

  it('never gives a number a sink saw from memory to another result after a crash, and leaves no gap after a clean stop', () => {
    const outbox = openOutbox(['mqtt']);
    commit(outbox, 1, 3);
    const seen = outbox.pending('mqtt', 500, RULES);
    outbox.acknowledge('mqtt', seen.lastSeq);
    // Killed: nothing was spilled, the cursor never written. A new process opens the same file.
    const next = new Outbox(file, { synchronous: 'full', maxResults: 10_000, spillAfterMs: SPILL_AFTER, agentName: 'pi' });
    next.open(['mqtt']);
    opened.push(next);
    next.append(result(4));
    next.commit(NOW);
    const after = next.pending('mqtt', 500, RULES).batch;
    expect(after).toHaveLength(1);
    expect(after[0]!.seq).toBeGreaterThan(seen.lastSeq);
    const last = after[0]!.seq;
    next.acknowledge('mqtt', last);
    const reopened = reopen(next, ['mqtt']);
    commit(reopened, 5, 5);
    expect(reopened.pending('mqtt', 500, RULES).batch.map((item) => item.seq)).toEqual([last + 1]);
  });

  it('never reuses a number a sink confirmed from memory, also when restarted with spill_after 0s', () => {
    let outbox = openOutbox(['mqtt']);
    commit(outbox, 1, 3);
    outbox.acknowledge('mqtt', outbox.pending('mqtt', 500, RULES).lastSeq);
    commit(outbox, 4, 4);
    // 1-3 confirmed and never written; 4 written at close with the cursor at 3.
    outbox = reopen(outbox, ['mqtt'], { spillAfterMs: 0 });
    commit(outbox, 5, 5);
    const pending = outbox.pending('mqtt', 500, RULES).batch;
    expect(pending.map((item) => item.seq)).toEqual([4, 5]);
    outbox.acknowledge('mqtt', 5);
    outbox = reopen(outbox, ['mqtt']);
    commit(outbox, 6, 6);
    expect(outbox.pending('mqtt', 500, RULES).batch.map((item) => item.seq)).toEqual([6]);
  });
});
