import type { Logger } from './logger.js';

interface KindState {
  count: number;
  /** Occurrences since the last log line for this kind. */
  unlogged: number;
  lastLoggedAt: number;
}

/**
 * Counts rejected input per source and kind (bad JSON, garbage lines, NaN, skewed timestamps …) and logs each kind
 * with its context on first sight, then at most once per `intervalMs`, saying how many were not logged. Never throws.
 */
export class BadInputLog {
  private readonly kinds = new Map<string, KindState>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly intervalMs = 60_000,
  ) {}

  /** `headline` starts the log line; input that was let through (a skewed timestamp kept) is not "rejected". */
  report(source: string, kind: string, message: string, context: Record<string, unknown> = {}, headline = 'rejected input'): void {
    const key = `${source}\u0000${kind}`;
    let state = this.kinds.get(key);
    if (!state) {
      state = { count: 0, unlogged: 0, lastLoggedAt: Number.NEGATIVE_INFINITY };
      this.kinds.set(key, state);
    }
    state.count += 1;
    state.unlogged += 1;
    const now = this.now();
    if (now - state.lastLoggedAt < this.intervalMs) return;
    const suppressed = state.unlogged - 1;
    this.log.warn(
      { source, kind, total: state.count, ...(suppressed > 0 ? { not_logged_since_last: suppressed } : {}), ...context },
      `${headline}: ${message}`,
    );
    state.unlogged = 0;
    state.lastLoggedAt = now;
  }

  /** Total rejections per source and kind. */
  counts(): { source: string; kind: string; count: number }[] {
    return [...this.kinds].map(([key, state]) => {
      const [source, kind] = key.split('\u0000') as [string, string];
      return { source, kind, count: state.count };
    });
  }
}
