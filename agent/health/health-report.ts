import { OldestPending, probeBufferDisk, type BufferDisk } from './buffer-probe.js';
import type { HealthView } from './health-view.js';

export interface SourceHealth {
  readonly name: string;
  readonly driver: string;
  readonly up: boolean;
  readonly reason: string | undefined;
  readonly readings: number;
  readonly rejected: number;
  readonly reconnects: number;
  /** Seconds since its last reading, if it has sent one. */
  readonly last_reading_age_s: number | undefined;
}

export interface SinkHealth {
  readonly name: string;
  readonly reachable: boolean;
  readonly reason: string | undefined;
  /** Results in the buffer this sink has not confirmed. */
  readonly pending: number;
  /** Seconds since the oldest of them was committed. */
  readonly oldest_pending_age_s: number | undefined;
  readonly sent: number;
  readonly failures: number;
  readonly last_error: string | undefined;
}

export interface BufferHealth {
  readonly writable: boolean;
  readonly reason: string | undefined;
  readonly file: string;
  readonly bytes: number;
  readonly free_bytes: number | undefined;
  /** Results made but not yet committed. */
  readonly queued: number;
  /** Results dropped because the buffer was full, since the start. */
  readonly dropped: number;
}

/** An alert that is pending or firing, or whose last episode was acknowledged or taken as the new normal. */
export interface AlertHealth {
  readonly rule: string;
  readonly source: string;
  readonly sensor: string;
  readonly state: 'pending' | 'firing' | 'resolved';
  /** `acknowledged` or `new normal`: how a resolved alert's last episode ended (listed until the next one). */
  readonly resolution?: 'acknowledged' | 'new normal';
  readonly severity: string;
  /** Seconds since the episode began. */
  readonly age_s: number;
}

/** One rule's results and errors since it was compiled (the start, or a reload that changed it). */
export interface RuleHealth {
  readonly name: string;
  readonly results: number;
  /** Readings the rule could not compute (an expression or derived formula gave NaN or infinity) and dropped. */
  readonly errors: number;
}

/** The answer of `/healthz` and the screen of `tributary status`. */
export interface HealthReport {
  readonly status: 'ok' | 'failing';
  /** One sentence per failing part, e.g. `source serial: cannot open /dev/ttyUSB0`. */
  readonly problems: string[];
  readonly pid: number;
  readonly uptime_s: number;
  readonly config: string;
  readonly readings_in: number;
  readonly results_out: number;
  readonly sources: SourceHealth[];
  readonly buffer: BufferHealth;
  readonly sinks: SinkHealth[];
  /** Alerts pending, firing or acknowledged (absent from agents before they were reported). Not part of `status`. */
  readonly alerts?: AlertHealth[];
  /** Each rule's results and rule errors (absent from agents before they were reported). Not part of `status`. */
  readonly rules?: RuleHealth[];
}

/**
 * Judges the running agent: healthy when every source is up, the buffer can be written and every sink is reachable.
 * A sink that reports no connection state (the console) counts as reachable.
 */
export class HealthCheck {
  private readonly startedAt: number;
  private readonly oldestPending: OldestPending;

  constructor(
    private readonly agent: HealthView,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.oldestPending = new OldestPending(agent.buffer.file);
  }

  /** Why the buffer cannot take results now, or undefined when it can; cheap enough for every watchdog ping. */
  bufferProblem(disk: BufferDisk | undefined = this.agent.buffer.isOpen ? probeBufferDisk(this.agent.buffer.file) : undefined): string | undefined {
    if (!this.agent.buffer.isOpen) return 'the buffer is not open';
    if (this.agent.bufferFault !== undefined) return `buffer commits fail: ${this.agent.bufferFault}`;
    return disk === undefined || disk.writable ? undefined : disk.reason;
  }

  report(): HealthReport {
    const { agent } = this;
    const { buffer: outbox } = agent;
    const now = this.now();
    const problems: string[] = [];

    const sources = agent.sourceStatus().map((status): SourceHealth => {
      if (!status.up) problems.push(`source ${status.name}: ${status.reason ?? 'down'}`);
      return {
        name: status.name,
        driver: status.driver,
        up: status.up,
        reason: status.reason,
        readings: status.readings,
        rejected: status.rejected,
        reconnects: status.reconnects,
        last_reading_age_s: status.lastReadingAt === undefined ? undefined : seconds(now - status.lastReadingAt),
      };
    });

    const disk = outbox.isOpen ? probeBufferDisk(outbox.file) : undefined;
    const bufferReason = this.bufferProblem(disk);
    if (bufferReason) problems.push(`buffer: ${bufferReason}`);
    const buffer: BufferHealth = {
      writable: bufferReason === undefined,
      reason: bufferReason,
      file: outbox.file,
      bytes: disk?.bytes ?? 0,
      free_bytes: disk?.freeBytes,
      queued: outbox.queuedCount,
      dropped: outbox.droppedResults,
    };

    const backlog = outbox.isOpen ? new Map(outbox.backlog().map((b) => [b.sink, b.pending])) : new Map<string, number>();
    const sinks = agent.forwarderStats().map((stats): SinkHealth => {
      const connection = agent.sinkConnection(stats.sink);
      // Only a sink that reported a lost connection (it gives a reason) is unreachable; the console reports nothing.
      const reachable = connection === undefined || connection.connected || connection.reason === undefined;
      if (!reachable) problems.push(`sink ${stats.sink}: ${connection?.reason ?? 'unreachable'}`);
      const pending = backlog.get(stats.sink) ?? 0;
      const oldest = pending > 0 && outbox.isOpen ? this.oldestPending.of(stats.sink) : undefined;
      return {
        name: stats.sink,
        reachable,
        reason: reachable ? undefined : connection?.reason,
        pending,
        oldest_pending_age_s: oldest === undefined ? undefined : seconds(Math.max(0, now - oldest)),
        sent: stats.sent,
        failures: stats.failures,
        last_error: stats.lastError,
      };
    });

    return {
      status: problems.length === 0 ? 'ok' : 'failing',
      problems,
      pid: process.pid,
      uptime_s: seconds(now - this.startedAt),
      config: agent.config.file,
      readings_in: agent.readingsIn,
      results_out: agent.resultsOut,
      sources,
      buffer,
      sinks,
      alerts: agent.liveAlerts().map(({ rule, source, sensor, state, resolution, severity, since }) => ({
        rule,
        source,
        sensor,
        state,
        ...(resolution === undefined ? {} : { resolution }),
        severity,
        age_s: seconds(Math.max(0, now - since)),
      })),
      rules: agent.ruleCounters().map(({ rule, results, errors }) => ({ name: rule, results, errors })),
    };
  }

  close(): void {
    this.oldestPending.close();
  }
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}
