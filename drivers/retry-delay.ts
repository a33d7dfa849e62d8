import { RetryLaterError } from './sink-errors.js';

/** A server may ask for a long wait, but not for one so long the backlog is forgotten. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1_000;

/**
 * The waits between attempts at something failing: doubling from `initialMs` up to `maxMs`. With jitter (the
 * default, for sinks) each is drawn at random from its upper half ("equal jitter"), so agents that lost the same
 * server do not all come back in the same second; `RetryDelay.doubling` waits exactly, for a device of one's own.
 * A RetryLaterError (HTTP 429/503 with Retry-After) sets the wait to at least what the server asked for.
 */
export class RetryDelay {
  private nextMs: number;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {
    this.nextMs = initialMs;
  }

  /** Waits of exactly `initialMs`, twice that, … up to `maxMs`: no jitter (a serial port, a Modbus device, a source). */
  static doubling(initialMs: number, maxMs: number): RetryDelay {
    // The upper end of every step: base / 2 + 1 * (base / 2) is base.
    return new RetryDelay(initialMs, maxMs, () => 1);
  }

  /** The step the next wait is drawn from (its upper end), before jitter and Retry-After: for logs. */
  get upcomingMs(): number {
    return this.nextMs;
  }

  /** The wait after this failure; the one after the next failure will be longer. */
  after(error?: unknown): number {
    const base = this.nextMs;
    this.nextMs = Math.min(this.nextMs * 2, this.maxMs);
    const jittered = base / 2 + this.random() * (base / 2);
    if (error instanceof RetryLaterError) return Math.max(jittered, Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS));
    return jittered;
  }

  /** After a success: the next failure starts from `initialMs` again. */
  reset(): void {
    this.nextMs = this.initialMs;
  }
}
