import type { Clock, ClockTimer } from './clock.js';
import type { DriverLogger } from './driver.js';

/**
 * Runs a source's poll at once and then every `intervalMs`, never two at a time: a poll still running when the
 * next is due (a slow SD card, a slow 1-Wire bus) makes that tick skip. A poll that throws is logged, not fatal.
 */
export class PollingLoop {
  private timer: ClockTimer | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly poll: () => Promise<void>,
    private readonly log: DriverLogger,
    /** What is polled, for the error message ("the host", "the 1-Wire bus"). */
    private readonly what: string,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts polling; resolves when the first poll is done. */
  async start(): Promise<void> {
    if (this.timer !== undefined) return;
    this.timer = this.clock.setInterval(() => void this.pollNow(), this.intervalMs);
    await this.pollNow();
  }

  /** Stops polling; resolves once a poll under way has finished. */
  async stop(): Promise<void> {
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** Resolves once the poll under way, if any, has finished. */
  async settled(): Promise<void> {
    await this.inFlight;
  }

  /** Polls now, out of turn (a link just came up), unless a poll is still running; resolves when it is done. */
  pollNow(): Promise<void> {
    if (this.inFlight !== undefined) {
      this.log.debug({}, 'previous poll still running: tick skipped');
      return this.inFlight;
    }
    this.inFlight = this.poll()
      .catch((error: unknown) => this.log.error({ err: error }, `polling ${this.what} failed`))
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
