import type { Logger } from './logger.js';

/**
 * Logs rule errors, readings a rule could not compute and dropped (a transform `expression` or a `derive` formula
 * that gave NaN or infinity): a rule's first at once, then at most once per `intervalMs` with how many came since.
 * The counts themselves are in /metrics and /healthz; this makes a rule that silently drops everything visible in
 * the journal. Never throws.
 */
export class RuleErrorLog {
  /** Per rule: its error count when last logged, and when. */
  private readonly logged = new Map<string, { errors: number; at: number }>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly intervalMs = 60_000,
  ) {}

  /** Looks at each rule's error count (the engine's counters) and logs the rules with new ones that are due. */
  check(counters: readonly { readonly rule: string; readonly errors: number }[]): void {
    const now = this.now();
    for (const { rule, errors } of counters) {
      const last = this.logged.get(rule);
      // A reload that changed the rule compiled it afresh: its count started again from 0.
      if (last !== undefined && errors < last.errors) last.errors = 0;
      const since = errors - (last?.errors ?? 0);
      if (since <= 0 || (last !== undefined && now - last.at < this.intervalMs)) continue;
      this.log.warn(
        { rule, errors_since_last: since, total: errors },
        `rule ${rule}: ${since} reading(s) it could not compute and dropped (an expression or derive formula gave NaN or infinity)`,
      );
      this.logged.set(rule, { errors, at: now });
    }
  }
}
