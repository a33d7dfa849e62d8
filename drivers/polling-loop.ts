import type { DriverLogger } from './driver.js';

/**
 * Runs a source's poll at once and then every `intervalMs`, never two at a time: a poll still running when the
 * next is due (a slow SD card, a slow 1-Wire bus) makes that tick skip. A poll that throws is logged, not fatal.
 */
export class PollingLoop {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
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
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    await this.tick();
  }

  /** Stops polling; resolves once a poll under way has finished. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private tick(): Promise<void> {
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
