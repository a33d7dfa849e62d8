import type { BufferedResult, SinkDriver } from '../../drivers/driver.js';
import { AGENT_RULE, type EventResult } from '../../rules/rule-result.js';
import type { Outbox } from '../buffer/outbox.js';
import type { Logger } from '../logger.js';
import { systemClock, type Clock, type ClockTimer } from '../../drivers/clock.js';
import { RetryDelay } from '../../drivers/retry-delay.js';
import { deliverSplitting, type Rejection } from './split-delivery.js';

/** A held batch is looked at again this often (and whenever new results or the clock's synchronisation wake it). */
const HOLD_RECHECK_MS = 5_000;

export interface ForwarderOptions {
  readonly batchSize: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /**
   * A result sent longer than this after it was buffered is flagged `backfilled`; a sink unreachable for longer
   * than this is reported as an outage event once it is back.
   */
  readonly backfillAfterMs: number;
  /** The agent's name, the `source` of its events. */
  readonly agentName: string;
  readonly now: () => number;
  /** Timers for the backoff and the drain at stop (default: the system's). */
  readonly clock?: Clock;
  /** Hands an agent event (an outage) to the buffer, to be sent to every sink like a result. */
  readonly emitEvent?: (event: EventResult) => void;
  /** Random numbers in [0, 1) for the backoff jitter; injectable for tests. */
  readonly random?: () => number;
  /** Holds and re-dates results made while the system clock was not synchronised; absent: send them as they are. */
  readonly time?: TimeGate;
}

/** What the forwarder asks about results stamped by a clock that was not synchronised (see `BufferedResult.clock`). */
export interface TimeGate {
  /** Whether the clock is synchronised now, so stamped results can be re-dated and sent. */
  synchronised(): boolean;
  /** How long a stamped result is held for synchronisation before it is sent as it is, marked `unsynchronised`. */
  readonly holdMs: number;
  /** How long a stamped result has been held so far, ms: on a clock that steps of the wall clock do not move. */
  heldFor(item: BufferedResult): number;
  /** The result with its times corrected as far as the clock now knows, and its `timeQuality` set. */
  redate(item: BufferedResult): BufferedResult;
}

/** Delivery counters of one sink, for status and metrics. */
export interface ForwarderStats {
  sent: number;
  failures: number;
  lastError: string | undefined;
  /** Results the sink rejected for good, moved to the buffer's quarantine. */
  quarantined: number;
  /** Results sent late (`backfilled`), e.g. after an outage. */
  backfilled: number;
}

/**
 * Moves one sink's results from the buffer to the sink, oldest first. A batch is confirmed in the buffer only
 * after the sink accepted it; on failure the same batch is offered again after a growing, jittered wait. Results
 * the sink rejects for good are found by splitting the batch and quarantined, so they cannot block the rest.
 */
export class Forwarder {
  readonly stats: ForwarderStats = { sent: 0, failures: 0, lastError: undefined, quarantined: 0, backfilled: 0 };
  private running = false;
  /** Stopping: send what is pending, then end; a failure ends it at once instead of being retried. */
  private draining = false;
  private wakeUp: (() => void) | undefined;
  /** Ends a backoff wait early: the sink said it is reachable again. */
  private retryNow: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** When the current run of failures began; undefined while the sink accepts results. */
  private failingSince: number | undefined;

  constructor(
    readonly sinkName: string,
    private readonly sink: SinkDriver,
    private readonly outbox: Outbox,
    private readonly rules: ReadonlySet<string>,
    private readonly options: ForwarderOptions,
    private readonly log: Logger,
  ) {}

  /** The sink refused or could not be reached at the last try: what it has not confirmed belongs on disk. */
  get failing(): boolean {
    return this.failingSince !== undefined;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Called after the buffer committed new results. */
  wake(): void {
    this.wakeUp?.();
  }

  /**
   * The sink reports it can be reached again (a broker's CONNACK): the backlog goes now, not when the backoff ends,
   * which after a long outage is up to `retry_max` away.
   */
  sinkReachable(): void {
    this.retryNow?.();
  }

  /**
   * Sends what the buffer holds for this sink (the agent committed its last results just before), then stops: when
   * nothing is pending, at the first failure, or after `graceMs`, whichever comes first. What is not acknowledged by
   * then stays in the buffer and is sent after the restart.
   */
  async stop(graceMs: number): Promise<void> {
    this.draining = true;
    this.wake();
    const clock = this.options.clock ?? systemClock;
    let timer: ClockTimer | undefined;
    await Promise.race([this.loop, new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, graceMs)))]);
    clock.clearTimer(timer);
    this.running = false;
    this.wake();
  }

  private async run(): Promise<void> {
    const retry = new RetryDelay(this.options.retryInitialMs, this.options.retryMaxMs, this.options.random);
    while (this.running) {
      try {
        const { batch, lastSeq, scanned } = this.outbox.pending(this.sinkName, this.options.batchSize, this.rules);
        if (scanned === 0) {
          if (this.draining) return;
          await this.idle(Number.POSITIVE_INFINITY, true);
          continue;
        }
        if (batch.length === 0) {
          // Only results of rules routed elsewhere: nothing to send, but this sink is past them.
          this.outbox.acknowledge(this.sinkName, lastSeq);
          continue;
        }
        const held = this.holdFor(batch);
        if (held > 0) {
          if (this.draining) return;
          // In order: nothing after a held result goes either. Woken early when the clock synchronises.
          await this.idle(held, true);
          continue;
        }
        const now = this.options.now();
        const time = this.options.time;
        const stamped = batch.map((item) => this.stamp(item.clock && time ? time.redate(item) : item, now));
        const outcome = await deliverSplitting((part) => this.sink.send(part), stamped);
        // Shutdown closed the buffer while this send waited: the batch stays there and is sent after restart.
        if (!this.outbox.isOpen) return;
        if (outcome.rejected.length > 0) this.quarantine(outcome.rejected, outcome.attempts);
        if (this.failingSince !== undefined) this.recovered();
        this.outbox.acknowledge(this.sinkName, lastSeq);
        this.stats.sent += outcome.delivered;
        this.stats.backfilled += stamped.filter((item) => item.backfilled).length;
        retry.reset();
      } catch (error) {
        if (!this.running && !this.outbox.isOpen) return;
        this.stats.failures += 1;
        this.stats.lastError = (error as Error).message;
        const waitMs = retry.after(error);
        if (this.failingSince === undefined) {
          this.failingSince = this.options.now();
          this.log.warn({ sink: this.sinkName, error: this.stats.lastError, retryInMs: Math.round(waitMs) }, 'sending failed; results stay buffered and are retried');
        }
        // Stopping: what failed now stays buffered for the next start rather than holding up the stop.
        if (this.draining) return;
        await this.idle(waitMs, false);
      }
    }
  }

  /**
   * How long to wait before sending `batch`: its first result made by an unsynchronised clock is held while the clock
   * is still not synchronised, until it has been held for `holdMs`; 0 sends now.
   */
  private holdFor(batch: readonly BufferedResult[]): number {
    const time = this.options.time;
    if (!time || time.synchronised()) return 0;
    const first = batch.find((item) => item.clock !== undefined);
    if (!first) return 0;
    const remaining = time.holdMs - time.heldFor(first);
    return remaining > 0 ? Math.min(remaining, HOLD_RECHECK_MS) : 0;
  }

  /** Marks a result that waited longer than `backfill_after`: upstream sees it arrived late, stamped with its own time. */
  private stamp(item: BufferedResult, now: number): BufferedResult {
    const late = item.createdAt !== undefined && now - item.createdAt > this.options.backfillAfterMs;
    return late ? { ...item, backfilled: true } : item;
  }

  private quarantine(rejected: readonly Rejection[], attempts: number): void {
    const now = this.options.now();
    for (const { items, reason } of rejected) this.outbox.quarantine(this.sinkName, items, reason, now);
    const count = rejected.reduce((n, r) => n + r.items.length, 0);
    this.stats.quarantined += count;
    this.log.warn(
      { sink: this.sinkName, quarantined: count, seqs: rejected.flatMap((r) => r.items.map((i) => i.seq)).slice(0, 20), reason: rejected[0]!.reason, requests: attempts },
      'sink rejected results for good; moved them to the buffer quarantine and sent the rest',
    );
  }

  /** The sink is back: log it, and report the outage as an event if it lasted longer than `backfill_after`. */
  private recovered(): void {
    const start = this.failingSince!;
    const end = this.options.now();
    this.failingSince = undefined;
    const held = this.outbox.backlog().find((b) => b.sink === this.sinkName)?.pending ?? 0;
    this.log.info({ sink: this.sinkName, downForMs: end - start, held }, 'sink accepts results again; sending the backlog');
    if (end - start <= this.options.backfillAfterMs || !this.options.emitEvent) return;
    this.options.emitEvent({
      kind: 'event',
      rule: AGENT_RULE,
      source: this.options.agentName,
      sensor: this.sinkName,
      tags: {},
      event: 'outage',
      timestamp: start,
      end,
      held,
      message: `sink ${this.sinkName} unreachable for ${describeDuration(end - start)}; ${held} results held back and sent late`,
    });
  }

  /**
   * Waits for `ms` or for stop, and also for new results when `wakeOnNewResults`; a backoff (not `wakeOnNewResults`)
   * ends early when the sink is reachable again or the forwarder stops.
   */
  private idle(ms: number, wakeOnNewResults: boolean): Promise<void> {
    const clock = this.options.clock ?? systemClock;
    return new Promise((resolve) => {
      let timer: ClockTimer | undefined;
      const done = () => {
        clock.clearTimer(timer);
        this.wakeUp = undefined;
        this.retryNow = undefined;
        resolve();
      };
      if (Number.isFinite(ms)) timer = clock.setTimeout(done, ms);
      this.wakeUp = wakeOnNewResults ? done : () => (!this.running || this.draining) && done();
      if (!wakeOnNewResults) this.retryNow = done;
    });
  }
}

/** `2 h 5 min`, `3 min 20 s`, `45 s`: enough for an annotation. */
function describeDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
