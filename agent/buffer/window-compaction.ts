import { mergeAggregateValues } from '../../rules/aggregates/aggregate-merge.js';
import type { WindowResult } from '../../rules/rule-result.js';

/**
 * Merges consecutive windows of one series (same rule, source, sensor and tags) into one coarser window, so a full
 * buffer keeps a summary of an old backlog instead of dropping it. Only what can be recombined exactly is kept, as
 * each aggregate's registration says (its `merge`, rules/aggregates/): count, sum and histogram buckets add up, min
 * and max are the min of mins and max of maxes, mean is weighted by count, first and last come from the earliest and
 * latest window, delta is their difference, the spreads are pooled (Chan et al.) from count, mean and variance; the
 * rest (median, pNN, twa, integral, derivative, rate) cannot be rebuilt from per-window values and is dropped rather
 * than kept as an approximation that would look exact in a dashboard.
 *
 * The merged window spans the first window's start to the last one's end and carries `compacted`: how many
 * original windows it stands for.
 */
export function mergeWindows(windows: readonly WindowResult[]): WindowResult {
  if (windows.length === 0) throw new Error('mergeWindows needs at least one window');
  const sorted = [...windows].sort((a, b) => a.start - b.start);
  const head = sorted[0]!;
  const tail = sorted[sorted.length - 1]!;
  const compacted = sorted.reduce((n, w) => n + (w.compacted ?? 1), 0);
  return {
    kind: 'window',
    rule: head.rule,
    source: head.source,
    sensor: head.sensor,
    tags: head.tags,
    start: head.start,
    end: tail.end,
    values: mergeAggregateValues(sorted.map((w) => w.values)),
    compacted,
  };
}
