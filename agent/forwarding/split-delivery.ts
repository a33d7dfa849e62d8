import type { BufferedResult, SinkBatch } from '../../drivers/driver.js';
import { PermanentSinkError } from '../../drivers/sink-errors.js';

/** Results the sink refused for good, with its reason. */
export interface Rejection {
  readonly items: BufferedResult[];
  readonly reason: string;
}

export interface SplitOutcome {
  /** Results the sink accepted. */
  readonly delivered: number;
  readonly rejected: Rejection[];
  /** Requests it took, for the log: 1 when nothing was rejected. */
  readonly attempts: number;
}

/**
 * Sends a batch; when the sink refuses it for good (PermanentSinkError), sends each half on its own, and so on
 * down to single results, so one bad point costs about 2·log2(batch) requests and every good point still lands.
 * Any other error is thrown at once: the whole batch stays buffered and is tried again later (halves already
 * accepted are sent again then, which at-least-once delivery and idempotent sinks absorb).
 */
export async function deliverSplitting(send: (batch: SinkBatch) => Promise<void>, batch: readonly BufferedResult[]): Promise<SplitOutcome> {
  try {
    await send(batch);
    return { delivered: batch.length, rejected: [], attempts: 1 };
  } catch (error) {
    if (!(error instanceof PermanentSinkError)) throw error;
    if (batch.length === 1) return { delivered: 0, rejected: [{ items: [...batch], reason: error.message }], attempts: 1 };
    const middle = Math.ceil(batch.length / 2);
    const first = await deliverSplitting(send, batch.slice(0, middle));
    const second = await deliverSplitting(send, batch.slice(middle));
    return {
      delivered: first.delivered + second.delivered,
      rejected: [...first.rejected, ...second.rejected],
      attempts: 1 + first.attempts + second.attempts,
    };
  }
}
