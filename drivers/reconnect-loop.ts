import type { Clock, ClockTimer } from './clock.js';
import type { RetryDelay } from './retry-delay.js';

/**
 * Tries to connect (open a port, start a source) until it works, waiting longer after each failure: the attempt
 * calls `failed()` when it did not work, `connected()` when it did. One attempt at a time; `stop()` ends the loop
 * and waits for the attempt under way, so nothing is opened after it returned.
 */
export class ReconnectLoop {
  private timer: ClockTimer | undefined;
  private attempt: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly delay: RetryDelay,
    private readonly connect: () => Promise<void>,
  ) {}

  /** The step the next wait after a failure is drawn from, for a log line said before `failed()`. */
  get upcomingMs(): number {
    return this.delay.upcomingMs;
  }

  /** Starts (again, after a stop) with an attempt now; resolves when it is over. */
  start(): Promise<void> {
    this.stopped = false;
    return this.tryNow();
  }

  /** The attempt did not work: the next comes after the backoff's next wait, which is returned. */
  failed(error?: unknown): number {
    const wait = this.delay.after(error);
    this.retryIn(wait);
    return wait;
  }

  /** Tries again in `ms` whatever the backoff says, leaving it as it is (a link lost after it worked). */
  retryIn(ms: number): void {
    if (this.stopped) return;
    this.clock.clearTimer(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.tryNow();
    }, ms);
  }

  /** The attempt worked: the next failure waits the initial delay again. */
  connected(): void {
    this.delay.reset();
  }

  /** No more attempts; resolves once the one under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
    await this.attempt;
  }

  private tryNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const attempt = this.connect().finally(() => {
      if (this.attempt === attempt) this.attempt = undefined;
    });
    this.attempt = attempt;
    return attempt;
  }
}
