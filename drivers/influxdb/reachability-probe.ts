import type { Clock, ClockTimer } from '../clock.js';

/** How often a sink that is down asks the server whether it answers again. */
export const PROBE_INTERVAL_MS = 1_000;

/**
 * While the server does not answer, asks `GET /ping` (InfluxDB 1.x and 2.x, VictoriaMetrics: an empty 204, no auth)
 * once a second, and calls `answered` at its first answer of any status: the agent then sends the backlog at once
 * instead of when its backoff, up to `forwarding.retry_max`, ends. Costs one tiny request a second during an outage.
 */
export class ReachabilityProbe {
  private timer: ClockTimer | undefined;
  private probing = false;

  constructor(
    private readonly clock: Clock,
    private readonly url: string,
    private readonly answered: () => void,
  ) {}

  /** The server stopped answering: probe until it answers again (once: a second call changes nothing). */
  start(): void {
    if (this.probing) return;
    this.probing = true;
    this.schedule();
  }

  stop(): void {
    this.probing = false;
    this.clock.clearTimer(this.timer);
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => void this.probe(), PROBE_INTERVAL_MS);
  }

  private async probe(): Promise<void> {
    try {
      const response = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(PROBE_INTERVAL_MS) });
      await response.body?.cancel();
    } catch {
      if (this.probing) this.schedule();
      return;
    }
    if (!this.probing) return;
    this.stop();
    this.answered();
  }
}
