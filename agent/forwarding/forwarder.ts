import type { SinkDriver } from '../../drivers/driver.js';
import type { Outbox } from '../buffer/outbox.js';
import type { Logger } from '../logger.js';

export interface ForwarderOptions {
  readonly batchSize: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
}

/** Delivery counters of one sink, for status and metrics. */
export interface ForwarderStats {
  sent: number;
  failures: number;
  lastError: string | undefined;
}

/**
 * Moves one sink's results from the buffer to the sink, oldest first. A batch is confirmed in the buffer only
 * after the sink accepted it; on failure the same batch is offered again after a growing wait.
 */
export class Forwarder {
  readonly stats: ForwarderStats = { sent: 0, failures: 0, lastError: undefined };
  private running = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    readonly sinkName: string,
    private readonly sink: SinkDriver,
    private readonly outbox: Outbox,
    private readonly rules: ReadonlySet<string>,
    private readonly options: ForwarderOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Called after the buffer committed new results. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops after the batch in flight, waiting at most `graceMs` for it. */
  async stop(graceMs: number): Promise<void> {
    this.running = false;
    this.wake();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    let retryDelay = this.options.retryInitialMs;
    let failing = false;
    while (this.running) {
      const { batch, lastSeq, scanned } = this.outbox.pending(this.sinkName, this.options.batchSize, this.rules);
      if (scanned === 0) {
        await this.idle(Number.POSITIVE_INFINITY, true);
        continue;
      }
      if (batch.length === 0) {
        // Only results of rules routed elsewhere: nothing to send, but this sink is past them.
        this.outbox.acknowledge(this.sinkName, lastSeq);
        continue;
      }
      try {
        await this.sink.send(batch);
        // Shutdown closed the buffer while this send waited: the batch stays there and is sent after restart.
        if (!this.outbox.isOpen) return;
        this.outbox.acknowledge(this.sinkName, lastSeq);
        this.stats.sent += batch.length;
        retryDelay = this.options.retryInitialMs;
        if (failing) this.log.info({ sink: this.sinkName }, 'sink accepts results again; sending the backlog');
        failing = false;
      } catch (error) {
        this.stats.failures += 1;
        this.stats.lastError = (error as Error).message;
        if (!failing) {
          this.log.warn({ sink: this.sinkName, error: this.stats.lastError }, 'sending failed; results stay buffered and are retried');
        }
        failing = true;
        await this.idle(retryDelay, false);
        retryDelay = Math.min(retryDelay * 2, this.options.retryMaxMs);
      }
    }
  }

  /** Waits for `ms` or for stop, and also for new results when `wakeOnNewResults` (not while backing off). */
  private idle(ms: number, wakeOnNewResults: boolean): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      if (Number.isFinite(ms)) timer = setTimeout(done, ms);
      this.wakeUp = wakeOnNewResults ? done : () => !this.running && done();
    });
  }
}
