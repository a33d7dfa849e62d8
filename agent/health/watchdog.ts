import { type Clock, type ClockTimer, systemClock } from '../../drivers/clock.js';
import type { Logger } from '../logger.js';
import type { SystemdNotifier } from './systemd-notifier.js';

export interface WatchdogOptions {
  readonly notifier: SystemdNotifier;
  /** Why the agent should not be kept alive now (e.g. the buffer cannot be written), or undefined if it is fine. */
  readonly problem: () => string | undefined;
  /** A status line sent with each ping (`systemctl status` shows it). */
  readonly status: () => string;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
  /** The pings' timer; systemClock unless a test moves time. */
  readonly clock?: Clock;
}

/**
 * Feeds systemd's watchdog (`WatchdogSec=`) while the agent is healthy. The pings come from a timer on the event
 * loop, so a stuck loop stops them by itself; a problem reported by `problem()` stops them on purpose, and systemd
 * then restarts the agent. Pings go out three times per interval, so one slow ping does not cost a restart.
 */
export class Watchdog {
  private timer: ClockTimer | undefined;
  private pinging = false;
  private withheldFor: string | undefined;
  readonly intervalMs: number | undefined;

  constructor(private readonly options: WatchdogOptions) {
    this.intervalMs = watchdogIntervalMs(options.env ?? process.env);
  }

  start(): void {
    if (this.intervalMs === undefined || !this.options.notifier.enabled) return;
    this.options.log.info({ watchdog_ms: this.intervalMs }, 'feeding the systemd watchdog');
    this.timer = this.clock.setInterval(() => void this.ping(), Math.max(100, Math.floor(this.intervalMs / 3)));
    void this.ping();
  }

  stop(): void {
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private get clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  private async ping(): Promise<void> {
    // A ping still on its way (systemd-notify waits for the manager) is enough; do not pile up helpers.
    if (this.pinging) return;
    const problem = this.options.problem();
    if (problem !== undefined) {
      if (this.withheldFor !== problem) this.options.log.error({ problem }, 'not feeding the systemd watchdog: systemd will restart the agent');
      this.withheldFor = problem;
      return;
    }
    if (this.withheldFor !== undefined) this.options.log.info('healthy again; feeding the systemd watchdog');
    this.withheldFor = undefined;
    this.pinging = true;
    try {
      await this.options.notifier.send({ WATCHDOG: '1', STATUS: this.options.status() });
    } finally {
      this.pinging = false;
    }
  }
}

/** The watchdog interval systemd asks for, if it asks this process (sd_watchdog_enabled's rules). */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && Number(env.WATCHDOG_PID) !== process.pid) return undefined;
  return usec / 1000;
}
