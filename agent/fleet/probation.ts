import type { HealthReport } from '../health/health-report.js';

/** How long a part must stay down before it counts: a sink reconnecting after a restart is not a failure. */
export const DOWN_GRACE_MS = 2_000;
/**
 * How long a part may still be making its first connection (no error yet) before it counts: a broker slow to accept
 * a session (a cluster electing leaders took 4 s in a test; a TLS handshake over a poor link) is not a failure. A
 * connection that fails (refused, closed, timed out) counts after `DOWN_GRACE_MS`.
 */
export const CONNECTING_GRACE_MS = 15_000;
/** The reason a driver gives while its first connection is under way. */
const CONNECTING = 'connecting';

/**
 * Watches a device after a pushed config was applied: it is less healthy than before when a source or sink that was
 * up (or is new) stays down for `DOWN_GRACE_MS` (`CONNECTING_GRACE_MS` while it is still connecting), or when a rule that made no errors before (or is new) keeps making
 * them for as long: readings it cannot compute (an expression or a derived formula that gives NaN or infinity on the
 * live data). Parts already down and rules already erring before the push do not count against it; one error alone
 * (a single odd reading) does not either.
 */
export class Probation {
  private readonly wasDown: Set<string>;
  private readonly downSince = new Map<string, number>();
  private readonly erredBefore: Set<string>;
  /** Per rule that started erring since the push: when it was first seen erring, and its count then. */
  private readonly erringSince = new Map<string, { at: number; errors: number }>();

  constructor(
    before: HealthReport | undefined,
    readonly until: number,
    private readonly graceMs = DOWN_GRACE_MS,
    private readonly connectingGraceMs = CONNECTING_GRACE_MS,
  ) {
    this.wasDown = new Set([
      ...(before?.sources ?? []).filter((source) => !source.up).map((source) => `source ${source.name}`),
      ...(before?.sinks ?? []).filter((sink) => !sink.reachable).map((sink) => `sink ${sink.name}`),
    ]);
    this.erredBefore = new Set((before?.rules ?? []).filter((rule) => rule.errors > 0).map((rule) => rule.name));
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
      const grace = reason === CONNECTING ? Math.max(this.graceMs, this.connectingGraceMs) : this.graceMs;
      if (now - since >= grace) return `${part} down since the new config (${reason ?? 'no reason given'}); it was up before`;
    }
    return this.ruleErrors(report, now);
  }

  /**
   * Whether the version has passed at `now`: its time is up and no part is down within its grace (a source still
   * connecting when the time is up holds the verdict until it connects or its grace runs out).
   */
  passed(now: number): boolean {
    return now >= this.until && this.downSince.size === 0;
  }

  /** Why a rule counts against the new config: it kept making errors for the grace time, and made none before. */
  private ruleErrors(report: HealthReport, now: number): string | undefined {
    for (const { name, errors } of report.rules ?? []) {
      if (errors === 0 || this.erredBefore.has(name)) continue;
      const first = this.erringSince.get(name);
      if (first === undefined) {
        this.erringSince.set(name, { at: now, errors });
      } else if (errors > first.errors && now - first.at >= this.graceMs) {
        return `rule ${name}: ${errors} reading(s) it could not compute since the new config (an expression or derived formula gave NaN or infinity); it made no errors before`;
      }
    }
    return undefined;
  }
}
