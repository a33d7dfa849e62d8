import type { HealthReport } from '../health/health-report.js';

/** How long a part must stay down before it counts: a sink reconnecting after a restart is not a failure. */
export const DOWN_GRACE_MS = 2_000;

/**
 * Watches a device after a pushed config was applied: it is less healthy than before when a source or sink that was
 * up (or is new) stays down for `DOWN_GRACE_MS`. Parts already down before the push do not count against it.
 */
export class Probation {
  private readonly wasDown: Set<string>;
  private readonly downSince = new Map<string, number>();

  constructor(
    before: HealthReport | undefined,
    readonly until: number,
    private readonly graceMs = DOWN_GRACE_MS,
  ) {
    this.wasDown = new Set([
      ...(before?.sources ?? []).filter((source) => !source.up).map((source) => `source ${source.name}`),
      ...(before?.sinks ?? []).filter((sink) => !sink.reachable).map((sink) => `sink ${sink.name}`),
    ]);
  }

  /** Why the device is less healthy than before, or undefined while it is not (yet). */
  check(report: HealthReport, now: number): string | undefined {
    const down = [
      ...report.sources.filter((source) => !source.up).map((source) => ({ part: `source ${source.name}`, reason: source.reason })),
      ...report.sinks.filter((sink) => !sink.reachable).map((sink) => ({ part: `sink ${sink.name}`, reason: sink.reason })),
    ].filter(({ part }) => !this.wasDown.has(part));
    for (const part of this.downSince.keys()) if (!down.some((entry) => entry.part === part)) this.downSince.delete(part);
    for (const { part, reason } of down) {
      const since = this.downSince.get(part) ?? now;
      this.downSince.set(part, since);
      if (now - since >= this.graceMs) return `${part} down since the new config (${reason ?? 'no reason given'}); it was up before`;
    }
    return undefined;
  }
}
