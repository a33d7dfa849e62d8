import type { AddressInfo } from 'node:net';
import type { Agent } from '../agent.js';
import type { TributaryConfig } from '../config/load-config.js';
import type { Logger } from '../logger.js';
import { AgentMetrics } from './agent-metrics.js';
import { HealthCheck, type HealthReport } from './health-report.js';
import { HealthServer } from './health-server.js';
import { parseListenAddress } from './listen-address.js';
import { LiveTail } from './live-tail.js';
import { SystemdNotifier } from './systemd-notifier.js';
import { Watchdog } from './watchdog.js';
import { SelfMetrics } from './self-metrics.js';

export interface OperationsOptions {
  readonly http: TributaryConfig['agent']['http'];
  /** `agent.self_metrics` in ms: how often the agent's metrics become readings; 0 for never. */
  readonly selfMetricsMs?: number;
  readonly log: Logger;
  /** Where NOTIFY_SOCKET and WATCHDOG_USEC are read; injectable for tests. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * What runs beside the pipeline for the people and programs that operate it: the health and metrics server, the
 * readiness message to systemd and its watchdog. Started once the agent is up, stopped before it goes down.
 */
export class Operations {
  readonly health: HealthCheck;
  readonly metrics: AgentMetrics;
  private readonly server: HealthServer;
  private readonly notifier: SystemdNotifier;
  private readonly watchdog: Watchdog;
  private readonly selfMetrics: SelfMetrics;
  /** Where the server listens, once it does. */
  address: AddressInfo | undefined;

  constructor(
    agent: Agent,
    private readonly options: OperationsOptions,
  ) {
    const { log } = options;
    this.health = new HealthCheck(agent);
    this.metrics = new AgentMetrics(agent, this.health);
    this.server = new HealthServer(this.health, this.metrics, new LiveTail(agent.tap), log);
    this.notifier = new SystemdNotifier(log, options.env);
    this.selfMetrics = new SelfMetrics(agent, this.metrics, options.selfMetricsMs ?? 0, log);
    this.watchdog = new Watchdog({
      notifier: this.notifier,
      problem: () => this.health.bufferProblem(),
      status: () => statusLine(this.health.report()),
      log,
      ...(options.env ? { env: options.env } : {}),
    });
  }

  /** Serves health and metrics, then tells systemd the agent is ready and starts feeding its watchdog. */
  async start(): Promise<void> {
    const { http, log } = this.options;
    this.metrics.start();
    this.selfMetrics.start();
    if (http.enabled) {
      const { host, port } = parseListenAddress(http.listen);
      try {
        this.address = await this.server.listen(host, port);
        log.info({ listen: http.listen, port: this.address.port }, 'health and metrics on /healthz and /metrics');
      } catch (error) {
        // The pipeline matters more than its dashboard: run on without the server rather than not at all.
        log.error({ listen: http.listen, error: (error as Error).message }, 'health server could not listen; /healthz and /metrics are off');
      }
    }
    await this.notifier.send({ READY: '1', STATUS: statusLine(this.health.report()) });
    this.watchdog.start();
  }

  async stop(): Promise<void> {
    this.watchdog.stop();
    await this.selfMetrics.stop();
    // Not awaited: systemd-notify may wait up to seconds for a busy PID 1, and committing the buffer comes first.
    void this.notifier.send({ STOPPING: '1', STATUS: 'stopping' });
    await this.server.close();
    this.metrics.stop();
    this.health.close();
  }
}

/** One line for `systemctl status`: what is up, what is not, what waits. */
export function statusLine(report: HealthReport): string {
  const up = report.sources.filter((source) => source.up).length;
  const backlog = report.sinks.reduce((sum, sink) => sum + sink.pending, 0);
  const head = `${up}/${report.sources.length} sources up, ${report.sinks.filter((s) => s.reachable).length}/${report.sinks.length} sinks reachable, backlog ${backlog}`;
  return report.problems.length === 0 ? head : `${head}; ${report.problems.join('; ')}`;
}
