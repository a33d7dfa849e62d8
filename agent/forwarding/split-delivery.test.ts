import { describe, expect, it } from 'vitest';
import type { BufferedResult, SinkBatch } from '../../drivers/driver.js';
import { PermanentSinkError } from '../../drivers/sink-errors.js';
import { deliverSplitting } from './split-delivery.js';

function items(count: number): BufferedResult[] {
  return Array.from({ length: count }, (_, i) => ({
    seq: i + 1,
    result: { kind: 'reading', rule: 'r', source: 's', sensor: `x${i + 1}`, tags: {}, timestamp: i, value: i },
  }));
}

/** Accepts a batch unless it holds one of `bad`, like a server that refuses a whole request for one bad line. */
function server(bad: ReadonlySet<number>, transientOnCall?: number) {
  const accepted: number[] = [];
  let calls = 0;
  const send = async (batch: SinkBatch) => {
    calls += 1;
    if (calls === transientOnCall) throw new Error('connection reset');
    const culprit = batch.find((item) => bad.has(item.seq));
    if (culprit) throw new PermanentSinkError(`bad point ${culprit.seq}`);
    accepted.push(...batch.map((item) => item.seq));
  };
  return { send, accepted, calls: () => calls };
}

describe('deliverSplitting', () => {
  it('sends a batch the sink accepts in one request', async () => {
    const far = server(new Set());
    expect(await deliverSplitting(far.send, items(8))).toEqual({ delivered: 8, rejected: [], attempts: 1 });
  });

  it('finds each rejected result by halving, and delivers every other one', async () => {
    const far = server(new Set([3, 97]));
    const outcome = await deliverSplitting(far.send, items(100));
    expect(outcome.delivered).toBe(98);
    expect(outcome.rejected.map((r) => [r.items.map((i) => i.seq), r.reason])).toEqual([
      [[3], 'bad point 3'],
      [[97], 'bad point 97'],
    ]);
    expect([...far.accepted].sort((a, b) => a - b)).toEqual(items(100).map((i) => i.seq).filter((seq) => seq !== 3 && seq !== 97));
    // Two culprits in 100: about 2·2·log2(100) requests, far from one per result.
    expect(outcome.attempts).toBeLessThanOrEqual(4 * Math.ceil(Math.log2(100)) + 1);
  });

  it('gives up the whole batch on an error retrying may fix, for the forwarder to retry', async () => {
    const far = server(new Set([2]), 2);
    await expect(deliverSplitting(far.send, items(4))).rejects.toThrow('connection reset');
  });
});
