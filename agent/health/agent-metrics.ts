import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { MetricsView } from './health-view.js';
import { AlertStates } from './alert-states.js';
import type { HealthCheck } from './health-report.js';

const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * The agent's Prometheus metrics. Counters the agent already keeps (readings, rejections, sends) are copied in at
 * each scrape, so the hot path pays nothing for them; results per rule and alert states are counted from the
 * pipeline tap. Node's own metrics (event-loop lag, memory, CPU, handles) come from prom-client's defaults.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly alertStates: AlertStates;
  private untap: (() => void) | undefined;
  private untapForgotten: (() => void) | undefined;

  private readonly readings = this.counter('tributary_source_readings_total', 'Readings accepted from each source.', ['source']);
  private readonly sourceUp = this.gauge('tributary_source_up', 'Whether each source is running and connected (1) or not (0).', ['source', 'driver']);
  private readonly reconnects = this.counter('tributary_source_reconnects_total', 'Times each source came back after being down.', ['source']);
  private readonly badInput = this.counter('tributary_bad_input_total', 'Input rejected, by source and kind (bad line, bad JSON, not a number …).', ['source', 'kind']);
  private readonly ruleResults = this.counter('tributary_rule_results_total', 'Results emitted by each rule, by kind (window, reading, alert).', ['rule', 'kind']);
  private readonly ruleErrors = this.counter(
    'tributary_rule_errors_total',
    'Readings each rule could not compute and dropped: a transform expression or derived formula gave NaN or infinity.',
    ['rule'],
  );
  private readonly bufferPending = this.gauge('tributary_buffer_pending_results', 'Results in the buffer that each sink has not confirmed.', ['sink']);
  private readonly bufferBytes = this.gauge('tributary_buffer_bytes', 'Size of the buffer file with its write-ahead log.', []);
  private readonly bufferFree = this.gauge('tributary_buffer_disk_free_bytes', 'Free space on the disk of the buffer.', []);
  private readonly bufferQueued = this.gauge('tributary_buffer_queued_results', 'Results made but not yet committed to the buffer.', []);
  private readonly bufferDropped = this.counter('tributary_buffer_dropped_results_total', 'Oldest undelivered results dropped because the buffer was full.', []);
  private readonly bufferWritable = this.gauge('tributary_buffer_writable', 'Whether the buffer can be written (1) or not (0).', []);
  private readonly oldestPending = this.gauge('tributary_sink_oldest_pending_age_seconds', 'Age of the oldest result each sink has not confirmed; absent when none.', ['sink']);
  private readonly sinkUp = this.gauge('tributary_sink_up', 'Whether each sink is reachable (1) or not (0).', ['sink']);
  private readonly sent = this.counter('tributary_sink_sent_results_total', 'Results each sink accepted.', ['sink']);
  private readonly failures = this.counter('tributary_sink_send_failures_total', 'Failed sends (batches) to each sink.', ['sink']);
  private readonly clockSteps = this.counter('tributary_clock_steps_total', 'Steps of the wall clock noticed (NTP synchronisation, set by hand).', []);
  private readonly skewedTimestamps = this.counter(
    'tributary_skewed_timestamps_total',
    "Readings whose own timestamp was too far from the local clock, by source and what was done (replace, keep, drop).",
    ['source', 'action'],
  );
  private readonly clockSynchronised = this.gauge('tributary_clock_synchronised', 'Whether the system clock is synchronised (1) or results are held for re-dating (0).', []);

  constructor(
    private readonly agent: MetricsView,
    private readonly health: HealthCheck,
  ) {
    this.alertStates = new AlertStates(
      this.gauge('tributary_alert_state', 'State of each alert: 0 inactive or resolved, 1 pending, 2 firing.', ['rule', 'sensor', 'severity']),
    );
  }

  /** Starts counting results and collecting Node's metrics. */
  start(): void {
    // prom-client samples event-loop delay every 10 ms by default: 100 wake-ups a second on an idle Pi. A stall
    // worth seeing lasts far longer than 100 ms.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    this.untap = this.agent.tap.onResult((result) => {
      this.ruleResults.inc({ rule: result.rule, kind: result.kind });
      if (result.kind === 'alert') this.alertStates.record(result);
    });
    this.untapForgotten = this.agent.tap.onAlertForgotten((alert) => this.alertStates.forget(alert));
  }

  stop(): void {
    this.untap?.();
    this.untap = undefined;
    this.untapForgotten?.();
    this.untapForgotten = undefined;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The metrics in the Prometheus text format, with the agent's counters read now. */
  async render(): Promise<string> {
    this.refresh();
    return this.registry.metrics();
  }

  /** Every counter and gauge sample, read now: for the agent's own readings (`agent.self_metrics`). */
  async samples(): Promise<{ name: string; labels: Record<string, string | number>; value: number }[]> {
    this.refresh();
    const samples: { name: string; labels: Record<string, string | number>; value: number }[] = [];
    for (const metric of await this.registry.getMetricsAsJSON()) {
      // Histograms and summaries (GC durations) would be a series per bucket: their totals are not worth it here.
      if (String(metric.type) !== 'counter' && String(metric.type) !== 'gauge') continue;
      for (const { labels, value } of metric.values) {
        if (Number.isFinite(value)) samples.push({ name: metric.name, labels: labels as Record<string, string | number>, value });
      }
    }
    return samples;
  }

  /** Copies the agent's own counters and the health report into the metrics. */
  private refresh(): void {
    const report = this.health.report();
    resetAll(this.readings, this.sourceUp, this.reconnects, this.badInput, this.bufferPending, this.oldestPending, this.sinkUp, this.sent, this.failures, this.ruleErrors);
    for (const rule of report.rules ?? []) this.ruleErrors.inc({ rule: rule.name }, rule.errors);
    for (const source of report.sources) {
      this.readings.inc({ source: source.name }, source.readings);
      this.reconnects.inc({ source: source.name }, source.reconnects);
      this.sourceUp.set({ source: source.name, driver: source.driver }, source.up ? 1 : 0);
    }
    for (const { source, kind, count } of this.agent.badInput.counts()) this.badInput.inc({ source, kind }, count);
    this.skewedTimestamps.reset();
    for (const { name, skewedTimestamps } of this.agent.sourceStatus()) {
      for (const [action, count] of Object.entries(skewedTimestamps)) if (count > 0) this.skewedTimestamps.inc({ source: name, action }, count);
    }
    this.bufferBytes.set(report.buffer.bytes);
    if (report.buffer.free_bytes !== undefined) this.bufferFree.set(report.buffer.free_bytes);
    this.bufferQueued.set(report.buffer.queued);
    this.bufferDropped.reset();
    this.bufferDropped.inc(report.buffer.dropped);
    this.bufferWritable.set(report.buffer.writable ? 1 : 0);
    this.clockSteps.reset();
    this.clockSteps.inc(this.agent.clockSteps);
    this.clockSynchronised.set(this.agent.clockSynchronised ? 1 : 0);
    for (const sink of report.sinks) {
      const labels = { sink: sink.name };
      this.bufferPending.set(labels, sink.pending);
      // No series when nothing waits: an age of 0 would say a result was just made (Prometheus: no misleading 0).
      if (sink.oldest_pending_age_s !== undefined) this.oldestPending.set(labels, sink.oldest_pending_age_s);
      this.sinkUp.set(labels, sink.reachable ? 1 : 0);
      this.sent.inc(labels, sink.sent);
      this.failures.inc(labels, sink.failures);
    }
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }
}

/** Series of parts that are gone must not linger with their last value. */
function resetAll(...metrics: { reset(): void }[]): void {
  for (const metric of metrics) metric.reset();
}
