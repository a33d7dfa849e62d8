import type { WindowResult } from '../../rules/rule-result.js';

/**
 * Merges consecutive windows of one series (same rule, source, sensor and tags) into one coarser window, so a full
 * buffer keeps a summary of an old backlog instead of dropping it. Only what can be recombined exactly is kept:
 *
 * - `count`, `sum` and histogram buckets (`le_*`) add up; `min`/`max` are the min of mins and max of maxes;
 * - `mean` is weighted by `count` (dropped if `count` is not among the aggregates);
 * - `first` comes from the earliest window that has one, `last` from the latest; `delta` is their difference
 *   when the rule has both, otherwise dropped (the jumps between windows are not known);
 * - `variance`, `stddev` and their `_population` forms are pooled from count, mean and variance (Chan et al.),
 *   exact up to rounding, when the rule has `count` and `mean`;
 * - everything else (median, pNN, twa, integral, derivative, rate) cannot be rebuilt from per-window values and
 *   is dropped rather than kept as an approximation that would look exact in a dashboard.
 *
 * The merged window spans the first window's start to the last one's end and carries `compacted`: how many
 * original windows it stands for.
 */
export function mergeWindows(windows: readonly WindowResult[]): WindowResult {
  if (windows.length === 0) throw new Error('mergeWindows needs at least one window');
  const sorted = [...windows].sort((a, b) => a.start - b.start);
  const head = sorted[0]!;
  const tail = sorted[sorted.length - 1]!;
  const values: Record<string, number> = {};
  const has = (key: string) => sorted.some((w) => Object.hasOwn(w.values, key));
  const everyHas = (key: string) => sorted.every((w) => Object.hasOwn(w.values, key));

  // count and mean of each window, where known: the weights for mean and variance.
  const counts = everyHas('count') ? sorted.map((w) => w.values['count']!) : undefined;
  const total = counts?.reduce((a, b) => a + b, 0);

  for (const key of new Set(sorted.flatMap((w) => Object.keys(w.values)))) {
    const present = sorted.filter((w) => Object.hasOwn(w.values, key)).map((w) => w.values[key]!);
    if (key === 'count' || key === 'sum' || key.startsWith('le_')) {
      // Absent only where the rule does not list it: then nothing exact can be said.
      if (everyHas(key)) values[key] = present.reduce((a, b) => a + b, 0);
    } else if (key === 'min') {
      values[key] = Math.min(...present);
    } else if (key === 'max') {
      values[key] = Math.max(...present);
    } else if (key === 'first') {
      values[key] = present[0]!;
    } else if (key === 'last') {
      values[key] = present[present.length - 1]!;
    }
  }
  if (has('mean') && counts && total !== undefined && total > 0) {
    const mean = pooledMean(sorted, counts, total);
    if (mean !== undefined) values['mean'] = mean;
  }
  if (has('delta') && values['first'] !== undefined && values['last'] !== undefined) {
    values['delta'] = values['last'] - values['first'];
  }
  if (counts && total !== undefined && values['mean'] !== undefined) {
    Object.assign(values, pooledSpread(sorted, counts, total, values['mean']));
  }

  const compacted = sorted.reduce((n, w) => n + (w.compacted ?? 1), 0);
  // Keep the rule's own key order, so a compacted window reads like the ones around it.
  const ordered: Record<string, number> = {};
  for (const key of new Set(sorted.flatMap((w) => Object.keys(w.values)))) {
    if (Object.hasOwn(values, key)) ordered[key] = values[key]!;
  }
  return {
    kind: 'window',
    rule: head.rule,
    source: head.source,
    sensor: head.sensor,
    tags: head.tags,
    start: head.start,
    end: tail.end,
    values: ordered,
    compacted,
  };
}

/** The mean of all readings: each window's mean weighted by its count (empty windows have none and weigh 0). */
function pooledMean(windows: readonly WindowResult[], counts: readonly number[], total: number): number | undefined {
  let weighted = 0;
  for (let i = 0; i < windows.length; i++) {
    if (counts[i] === 0) continue;
    const mean = windows[i]!.values['mean'];
    if (mean === undefined) return undefined;
    weighted += mean * counts[i]!;
  }
  return weighted / total;
}

const SPREAD_KEYS = ['variance', 'stddev', 'variance_population', 'stddev_population'] as const;

/**
 * Pooled variance: the sum of squared deviations of all readings is each window's own plus count × (its mean −
 * the overall mean)². A window's own comes from whichever spread aggregate it has; one reading has none.
 */
function pooledSpread(windows: readonly WindowResult[], counts: readonly number[], total: number, mean: number): Record<string, number> {
  if (!SPREAD_KEYS.some((key) => windows.some((w) => Object.hasOwn(w.values, key)))) return {};
  let squaredDeviations = 0;
  for (let i = 0; i < windows.length; i++) {
    const n = counts[i]!;
    if (n === 0) continue;
    const own = ownSquaredDeviations(windows[i]!.values, n);
    const windowMean = windows[i]!.values['mean'];
    if (own === undefined || windowMean === undefined) return {};
    squaredDeviations += own + n * (windowMean - mean) ** 2;
  }
  const present = new Set(windows.flatMap((w) => Object.keys(w.values)));
  const out: Record<string, number> = {};
  if (present.has('variance_population')) out['variance_population'] = squaredDeviations / total;
  if (present.has('stddev_population')) out['stddev_population'] = Math.sqrt(squaredDeviations / total);
  if (total > 1 && present.has('variance')) out['variance'] = squaredDeviations / (total - 1);
  if (total > 1 && present.has('stddev')) out['stddev'] = Math.sqrt(squaredDeviations / (total - 1));
  return out;
}

function ownSquaredDeviations(values: Readonly<Record<string, number>>, n: number): number | undefined {
  if (values['variance_population'] !== undefined) return values['variance_population'] * n;
  if (values['stddev_population'] !== undefined) return values['stddev_population'] ** 2 * n;
  if (values['variance'] !== undefined) return values['variance'] * (n - 1);
  if (values['stddev'] !== undefined) return values['stddev'] ** 2 * (n - 1);
  return n === 1 ? 0 : undefined;
}
