import type { Clock, ClockTimer } from '../../drivers/clock.js';
import type { Reading } from '../../rules/reading.js';
import type { RuleResult } from '../../rules/rule-result.js';
import type { Logger } from '../logger.js';
import type { LocalHistory } from './local-history.js';

/**
 * Runs the local history for the agent: opens it, queues each reading and result, writes the queued rows every
 * `history.flush_interval` (sooner when many are queued) and closes it. History is a convenience: a file that cannot
 * be opened or written is logged (once per cause) and the agent collects and delivers everything without it.
 */
export class HistoryKeeper {
  private timer: ClockTimer | undefined;
  /** Why the last history write failed, until one succeeds again: said once, not at every flush. */
  private fault: string | undefined;

  constructor(
    private readonly history: LocalHistory,
    private readonly options: { readonly log: Logger; readonly clock: Clock; readonly now: () => number; readonly flushIntervalMs: number },
  ) {}

  /** The history's file, for readers beside the agent (the live page, `tributary query`). */
  get file(): string {
    return this.history.file;
  }

  open(): void {
    try {
      this.history.open();
    } catch (error) {
      this.options.log.error({ history: this.history.file, error: (error as Error).message }, 'local history could not be opened; tributary query will have nothing new');
    }
  }

  /** Starts writing the queued rows every `flushIntervalMs`. */
  start(): void {
    this.timer = this.options.clock.setInterval(() => this.commit(), this.options.flushIntervalMs);
  }

  reading(reading: Reading): void {
    if (this.history.recordReading(reading)) this.commit();
  }

  result(result: RuleResult): void {
    if (this.history.recordResult(result)) this.commit();
  }

  /** Stops the flushes; `close()` writes what is queued. */
  stop(): void {
    this.options.clock.clearTimer(this.timer);
  }

  close(): void {
    try {
      this.history.close(this.options.now());
    } catch (error) {
      this.options.log.error({ error: (error as Error).message }, 'local history could not be written at shutdown');
    }
  }

  /** Writes the history's queued rows. */
  private commit(): void {
    const { log } = this.options;
    try {
      this.history.commit(this.options.now());
      if (this.fault !== undefined) log.info({ history: this.history.file }, 'local history is written again');
      this.fault = undefined;
    } catch (error) {
      const message = (error as Error).message;
      if (this.fault === undefined) {
        log.error(
          { history: this.history.file, error: message, dropped: this.history.droppedRows },
          'local history could not be written; its queued rows are dropped until it can; the buffer and delivery carry on',
        );
      }
      this.fault = message;
    }
  }
}
