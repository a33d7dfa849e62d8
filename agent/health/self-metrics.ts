import { type Clock, type ClockTimer, systemClock } from '../../drivers/clock.js';
import type { RuleResult } from '../../rules/rule-result.js';
import type { Logger } from '../logger.js';
import { AGENT_RULE } from '../../rules/rule-result.js';
import type { AgentMetrics } from './agent-metrics.js';

/** Labels that would be overwritten by a result's own fields downstream (InfluxDB tags sensor, source, rule). */
const RENAMED_LABELS: Readonly<Record<string, string>> = { source: 'source_name', sensor: 'sensor_name', rule: 'rule_name' };

/**
 * The agent's metrics, sent the way its results go, for people who have InfluxDB and Grafana but no Prometheus:
 * every interval each counter and gauge sample becomes a reading of rule `_agent` from the agent (source: its
 * name), named after the metric and tagged with its labels. Like Telegraf's `internal` input.
 */
export class SelfMetrics {
  private timer: ClockTimer | undefined;
  private running: Promise<void> | undefined;

  constructor(
    /** Where the samples go as the agent's own readings, and the agent's name for their source. */
    private readonly agent: { readonly name: string; recordOwn(result: RuleResult): void },
    private readonly metrics: AgentMetrics,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.timer = this.clock.setInterval(() => {
      this.running ??= this.record().finally(() => (this.running = undefined));
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    this.clock.clearTimer(this.timer);
    await this.running;
  }

  /** One reading per sample, all stamped with the same time. */
  async record(): Promise<void> {
    try {
      const timestamp = this.clock.now();
      for (const sample of await this.metrics.samples()) {
        const tags: Record<string, string> = {};
        for (const [name, value] of Object.entries(sample.labels)) tags[RENAMED_LABELS[name] ?? name] = String(value);
        this.agent.recordOwn({ kind: 'reading', rule: AGENT_RULE, source: this.agent.name, sensor: sample.name, tags, timestamp, value: sample.value });
      }
    } catch (error) {
      this.log.warn({ error: (error as Error).message }, 'could not read the agent metrics for self_metrics');
    }
  }
}
