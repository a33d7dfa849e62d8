import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../../drivers/clock.js';
import type { Agent } from '../agent.js';
import type { TributaryConfig } from '../config/load-config.js';
import type { Logger } from '../logger.js';
import type { AgentMetrics } from './agent-metrics.js';
import { HealthCheck, type HealthReport } from './health-report.js';
import { HealthServer } from './health-server.js';
import { HttpAccess } from './http-access.js';
import type { LivePageFeed } from '../live-page/live-page-feed.js';
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
  /** What the live page kept of the pipeline since before the agent started (see LivePageFeed). */
  readonly pageFeed?: LivePageFeed;
  /** Where NOTIFY_SOCKET and WATCHDOG_USEC are read; injectable for tests. */
  readonly env?: NodeJS.ProcessEnv;
  /** The timers of the watchdog, self_metrics and the live tail's keepalives; systemClock unless a test moves time. */
  readonly clock?: Clock;
  /**
   * The process's one notifier, when the agent restarts in the process (a pushed config): its messages then keep
   * their order across Operations (RELOADING=1 from the one stopping, READY=1 from the next). A fresh one by default.
   */
  readonly notifier?: SystemdNotifier;
}

/**
 * What runs beside the pipeline for the people and programs that operate it: the health and metrics server, the
 * readiness message to systemd and its watchdog. Started once the agent is up, stopped before it goes down.
 */
export class Operations {
  readonly health: HealthCheck;
  /** Made at start, and only when something reads them (the HTTP server or `self_metrics`). */
  metrics: AgentMetrics | undefined;
  private server: HealthServer | undefined;
  private readonly notifier: SystemdNotifier;
  private readonly watchdog: Watchdog;
  private selfMetrics: SelfMetrics | undefined;
  /** Where the server listens, once it does. */
  address: AddressInfo | undefined;

  constructor(
    private readonly agent: Agent,
    private readonly options: OperationsOptions,
  ) {
    const { log } = options;
    this.health = new HealthCheck(agent, (options.clock ?? systemClock).now);
    this.notifier = options.notifier ?? new SystemdNotifier(log, options.env);
    this.watchdog = new Watchdog({
      notifier: this.notifier,
      problem: () => this.health.bufferProblem(),
      status: () => statusLine(this.health.report()),
      log,
      ...(options.env ? { env: options.env } : {}),
      clock: options.clock ?? systemClock,
    });
  }

  /** Serves health and metrics, then tells systemd the agent is ready and starts feeding its watchdog. */
  async start(): Promise<void> {
    const { http, log, selfMetricsMs = 0 } = this.options;
    if (http.enabled || selfMetricsMs > 0) {
      // prom-client and its event-loop monitor cost memory, start-up time and wake-ups: only when read.
      const { AgentMetrics } = await import('./agent-metrics.js');
      this.metrics = new AgentMetrics(this.agent, this.health);
      this.metrics.start();
    }
    if (selfMetricsMs > 0) {
      this.selfMetrics = new SelfMetrics(this.agent, this.metrics!, selfMetricsMs, log, this.options.clock ?? systemClock);
      this.selfMetrics.start();
    }
    if (http.enabled) {
      const { host, port } = parseListenAddress(http.listen);
      const { LivePage } = await import('../live-page/live-page.js');
      const access = new HttpAccess({ token: http.token, basic_auth: http.basic_auth });
      this.server = new HealthServer(this.health, this.metrics!, new LiveTail(this.agent.tap, this.options.clock ?? systemClock), log, this.agent, { access, page: new LivePage(this.agent, this.health, this.options.pageFeed, this.options.clock ?? systemClock) });
      try {
        this.address = await this.server.listen(host, port);
        log.info({ listen: http.listen, port: this.address.port, auth: access.open ? 'none' : 'required' }, 'live page on /, health and metrics on /healthz and /metrics');
      } catch (error) {
        // The pipeline matters more than its dashboard: run on without the server rather than not at all.
        log.error({ listen: http.listen, error: (error as Error).message }, 'health server could not listen; /healthz and /metrics are off');
      }
    }
    await this.notifier.send({ READY: '1', STATUS: statusLine(this.health.report()) });
    this.watchdog.start();
  }

  /**
   * `reloading`: the agent restarts in this process (a pushed config changed its sources or sinks), so systemd hears
   * RELOADING=1, not STOPPING=1; the next Operations' start says READY=1.
   */
  async stop({ reloading = false }: { reloading?: boolean } = {}): Promise<void> {
    this.watchdog.stop();
    await this.selfMetrics?.stop();
    // Not awaited: systemd-notify may wait up to seconds for a busy PID 1, and committing the buffer comes first.
    if (reloading) void this.notifier.reloading((this.options.clock ?? systemClock).monotonic(), 'restarting on a new config');
    else void this.notifier.send({ STOPPING: '1', STATUS: 'stopping' });
    await this.server?.close();
    this.metrics?.stop();
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
