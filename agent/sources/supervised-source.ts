import type { DriverContext, SourceDriver } from '../../drivers/driver.js';
import { ReconnectLoop } from '../../drivers/reconnect-loop.js';
import { RetryDelay } from '../../drivers/retry-delay.js';
import type { Reading } from '../../rules/reading.js';
import type { Logger } from '../logger.js';
import type { SkewCounts, SourceTimestampCheck } from './source-timestamp-check.js';

/** What the agent knows about one source, for health, status and metrics. */
export interface SourceStatus {
  readonly name: string;
  readonly driver: string;
  /** Running and, where it has a far side (broker, device), connected to it. */
  readonly up: boolean;
  /** Why it is down: the start error or what the driver reported. */
  readonly reason: string | undefined;
  readonly readings: number;
  /** Input the driver rejected (bad lines, bad JSON, NaN …), all kinds together. */
  readonly rejected: number;
  /** Times it came back after being down. */
  readonly reconnects: number;
  /** Wall-clock time of its last reading, if any. */
  readonly lastReadingAt: number | undefined;
  /** Readings whose own timestamp was too far from the local clock, by what was done with them. */
  readonly skewedTimestamps: SkewCounts;
}

export interface SupervisedSourceOptions {
  readonly name: string;
  readonly driver: string;
  readonly create: (context: DriverContext) => SourceDriver;
  readonly context: Omit<DriverContext, 'setConnected' | 'badInput'> & { badInput: DriverContext['badInput'] };
  readonly log: Logger;
  /** Where accepted readings go. */
  readonly emit: (reading: Reading) => void;
  readonly now: () => number;
  /** Checks the timestamps readings carry themselves against the local clock; without it they stand as they are. */
  readonly timestamps?: SourceTimestampCheck;
  /** First wait before starting a source again whose start failed; doubles up to `retryMaxMs`. */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

/**
 * Runs one source so that nothing it does can stop another: a start that fails is logged with its reason and
 * tried again with a growing wait; an exception thrown while handling one of its readings is logged (once per
 * kind of error) and the reading dropped; its readings, rejections and reconnects are counted.
 */
export class SupervisedSource {
  private driver: SourceDriver | undefined;
  private started = false;
  private stopped = false;
  /** Starts the source again after a failed start, with a growing wait. */
  private readonly retry: ReconnectLoop;
  private connected = true;
  /**
   * Whether it has been up since the agent started: only then is coming back a reconnect. The first connect after
   * "connecting" (a broker), or after a device absent at start, is not.
   */
  private everUp = false;
  private reason: string | undefined;
  private readings = 0;
  private rejected = 0;
  private reconnects = 0;
  private lastReadingAt: number | undefined;
  private readonly loggedErrors = new Set<string>();

  constructor(private readonly options: SupervisedSourceOptions) {
    const delay = RetryDelay.doubling(options.retryInitialMs ?? 5_000, options.retryMaxMs ?? 300_000);
    this.retry = new ReconnectLoop(options.context.clock, delay, () => this.attempt());
  }

  /** Starts the source; resolves either way: a failure is reported in `status()` and retried in the background. */
  start(): Promise<void> {
    return this.retry.start();
  }

  private async attempt(): Promise<void> {
    const { options } = this;
    const context: DriverContext = {
      ...options.context,
      badInput: (kind, message, details) => {
        this.rejected += 1;
        options.context.badInput(kind, message, details);
      },
      setConnected: (connected, reason) => {
        if (connected && !this.connected && this.everUp) this.reconnects += 1;
        if (connected) this.everUp = true;
        this.connected = connected;
        this.reason = connected ? undefined : reason;
      },
    };
    // Up unless the driver says otherwise while starting (a broker source reports "connecting").
    this.connected = true;
    this.reason = undefined;
    try {
      this.driver = options.create(context);
      await this.driver.start((reading, timeFromInput) => this.take(reading, timeFromInput));
      this.started = true;
      // A driver that never reports its connection (a timer, a file) is up once started.
      if (this.connected) this.everUp = true;
      this.retry.connected();
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.connected = false;
      this.reason = message;
      options.log.error({ source: options.name, error: message, retry_in_ms: this.retry.upcomingMs }, 'source failed to start; other sources carry on');
      await this.driver?.stop().catch(() => undefined);
      this.driver = undefined;
      if (!this.stopped) this.retry.failed();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Not awaited: a start under way (a device that hangs opening) must not hold up the agent's stop.
    void this.retry.stop();
    if (!this.driver) return;
    await this.driver.stop().catch((error: unknown) => this.options.log.warn({ source: this.options.name, error: String(error) }, 'source did not stop cleanly'));
    this.driver = undefined;
  }

  status(): SourceStatus {
    return {
      name: this.options.name,
      driver: this.options.driver,
      up: this.started && this.driver !== undefined && this.connected,
      reason: this.reason,
      readings: this.readings,
      rejected: this.rejected,
      reconnects: this.reconnects,
      lastReadingAt: this.lastReadingAt,
      skewedTimestamps: { ...(this.options.timestamps?.counts ?? { replace: 0, keep: 0, drop: 0 }) },
    };
  }

  private take(reading: Reading, timeFromInput: boolean | undefined): void {
    if (this.stopped) return;
    const now = this.options.now();
    this.lastReadingAt = now;
    try {
      // Only readings stamped from their input are checked; one stamped on arrival has nothing to check.
      if (timeFromInput === true && this.options.timestamps !== undefined) {
        const timestamp = this.options.timestamps.timeOf(reading.sensor, reading.timestamp, now);
        if (timestamp === undefined) {
          this.rejected += 1;
          return;
        }
        if (timestamp !== reading.timestamp) reading = { ...reading, timestamp };
      }
      this.readings += 1;
      this.options.emit(reading);
    } catch (error) {
      // A bug downstream must not travel back into the driver's event handler and kill its connection.
      const message = (error as Error).message ?? String(error);
      if (!this.loggedErrors.has(message)) {
        this.loggedErrors.add(message);
        this.options.log.error({ source: this.options.name, sensor: reading.sensor, error: message }, 'reading could not be processed; dropped');
      }
    }
  }
}
