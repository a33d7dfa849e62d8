import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** One look at the agent process from outside: the kernel's view, its /metrics, its files, and its retained heap. */
export interface AgentSample {
  /** Resident memory (VmRSS), bytes. */
  readonly rss: number;
  /** Heap in use right after a forced full collection (fast-clock.mjs's probe), bytes. */
  readonly heapAfterGc: number;
  /** The heap V8 holds from the system at that moment (used or not): what of RSS is the JavaScript heap. */
  readonly heapTotalAfterGc: number;
  /** Memory outside the JavaScript heap that V8 tracks (buffers, SQLite's is not in it), bytes. */
  readonly external: number;
  /** nodejs_heap_size_used_bytes of /metrics: between collections, so with the garbage on top. */
  readonly heapUsed: number;
  readonly fds: number;
  /** nodejs_active_handles_total: sockets, servers, child processes, file watchers … */
  readonly handles: number;
  readonly threads: number;
  /** Results the sink has not confirmed, and results made but not yet committed. */
  readonly pending: number;
  readonly queued: number;
  /** tributary_buffer_bytes: buffer.sqlite with its write-ahead log. */
  readonly bufferBytes: number;
  readonly walBytes: number;
  /** history.sqlite with its write-ahead log. */
  readonly historyBytes: number;
  /** tributary_rule_results_total: every result made (windows, readings, alerts, agent events). */
  readonly made: number;
  readonly madeByKind: Readonly<Record<string, number>>;
  readonly sent: number;
  readonly readings: number;
  readonly reconnects: number;
  readonly sendFailures: number;
  /** tributary_clock_steps_total: must stay 0, the compressed clock runs evenly. */
  readonly clockSteps: number;
  /** tributary_skewed_timestamps_total: must stay 0, the fleet and the agent share the compressed clock. */
  readonly skewedTimestamps: number;
  /** Full collection the probe forced, ms. */
  readonly gcMs: number;
}

/** A metric's samples summed over its labels; `byLabel` also by the value of one label. */
interface Metrics {
  sum(name: string): number;
  byLabel(name: string, label: string): Record<string, number>;
}

function parseMetrics(text: string): Metrics {
  const lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  const matching = (name: string) =>
    lines.filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`)).map((line) => ({ line, value: Number(line.slice(line.lastIndexOf(' ') + 1)) }));
  return {
    sum: (name) => matching(name).reduce((total, { value }) => total + value, 0),
    byLabel: (name, label) => {
      const totals: Record<string, number> = {};
      for (const { line, value } of matching(name)) {
        const key = new RegExp(`${label}="([^"]*)"`).exec(line)?.[1] ?? '';
        totals[key] = (totals[key] ?? 0) + value;
      }
      return totals;
    },
  };
}

const fileSize = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

export class AgentSampler {
  private probeLines: string[] = [];
  private probeWaiter: (() => void) | undefined;

  /** `probe` is the agent's file descriptor SOAK_PROBE_FD (fast-clock.mjs writes there). */
  constructor(
    private readonly pid: number,
    private readonly metricsUrl: string,
    private readonly dataDir: string,
    probe: Readable,
  ) {
    let partial = '';
    probe.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      this.probeLines.push(...lines);
      this.probeWaiter?.();
    });
  }

  async sample(): Promise<AgentSample> {
    const retained = await this.probe();
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)![1]);
    const metrics = parseMetrics(await (await fetch(this.metricsUrl)).text());
    return {
      rss: field('VmRSS') * 1024,
      threads: field('Threads'),
      heapAfterGc: retained.heapUsed,
      heapTotalAfterGc: retained.heapTotal,
      external: retained.external,
      gcMs: retained.gc_ms,
      fds: readdirSync(`/proc/${this.pid}/fd`).length,
      heapUsed: metrics.sum('nodejs_heap_size_used_bytes'),
      handles: metrics.sum('nodejs_active_handles_total'),
      pending: metrics.sum('tributary_buffer_pending_results'),
      queued: metrics.sum('tributary_buffer_queued_results'),
      bufferBytes: metrics.sum('tributary_buffer_bytes'),
      walBytes: fileSize(path.join(this.dataDir, 'buffer.sqlite-wal')),
      historyBytes: fileSize(path.join(this.dataDir, 'history.sqlite')) + fileSize(path.join(this.dataDir, 'history.sqlite-wal')),
      made: metrics.sum('tributary_rule_results_total'),
      madeByKind: metrics.byLabel('tributary_rule_results_total', 'kind'),
      sent: metrics.sum('tributary_sink_sent_results_total'),
      readings: metrics.sum('tributary_source_readings_total'),
      reconnects: metrics.sum('tributary_source_reconnects_total'),
      sendFailures: metrics.sum('tributary_sink_send_failures_total'),
      clockSteps: metrics.sum('tributary_clock_steps_total'),
      skewedTimestamps: metrics.sum('tributary_skewed_timestamps_total'),
    };
  }

  /**
   * Asks the agent to collect garbage and say what it retains (SIGUSR2, answered on the probe descriptor). Patient:
   * writing a heap snapshot, when one was asked for, takes seconds.
   */
  private async probe(): Promise<{ heapUsed: number; heapTotal: number; external: number; gc_ms: number }> {
    this.probeLines = [];
    const answered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the agent did not answer the memory probe within 60 s')), 60_000);
      this.probeWaiter = () => {
        if (this.probeLines.length === 0) return;
        clearTimeout(timer);
        this.probeWaiter = undefined;
        resolve();
      };
    });
    process.kill(this.pid, 'SIGUSR2');
    await answered;
    return JSON.parse(this.probeLines[0]!) as { heapUsed: number; heapTotal: number; external: number; gc_ms: number };
  }
}
