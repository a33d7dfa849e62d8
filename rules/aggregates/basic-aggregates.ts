import { defineAggregate, nonEmpty, plain, storing, sumMerge, type MergeContext } from './aggregate-definition.js';
import type { WindowState } from './window-state.js';

/** Count, sum, extremes, ends and spread: kept from running sums, so they merge exactly when a full buffer compacts. */

const sampleVariance = (s: WindowState) => (s.count > 1 ? s.squaredDeviations / (s.count - 1) : undefined);
const populationVariance = (s: WindowState) => (s.count > 0 ? s.squaredDeviations / s.count : undefined);
const sqrt = (value: number | undefined) => (value === undefined ? undefined : Math.sqrt(value));

export const count = defineAggregate({
  name: 'count',
  help: 'count',
  description: 'number of readings',
  create: storing((s, out, key) => {
    out[key] = s.count;
  }),
  compaction: 'added',
  merge: sumMerge,
});

export const sum = defineAggregate({
  name: 'sum',
  help: 'sum',
  description: "their sum, compensated (Kahan–Babuška–Neumaier, with Knuth's branch-free TwoSum): `1e16 + 1 + 1 − 1e16` is 2, as SQLite's `sum()` says",
  create: storing((s, out, key) => {
    const sum = s.sum;
    if (Number.isFinite(sum)) out[key] = sum;
  }),
  compaction: 'added',
  merge: sumMerge,
});

export const mean = defineAggregate({
  name: 'mean',
  help: 'mean',
  description: 'sum / count',
  // NaN for an empty window: left out, as every store below leaves out what is not finite.
  create: storing((s, out, key) => {
    const mean = s.sum / s.count;
    if (Number.isFinite(mean)) out[key] = mean;
  }),
  // Weighted by count (empty windows weigh 0); dropped when the rule has no count.
  compaction: 'weighted by `count`; dropped when the rule has no `count`',
  merge: (_key, context) => {
    const { counts, total } = context;
    if (!counts || total === undefined || !(total > 0)) return undefined;
    let weighted = 0;
    for (let i = 0; i < context.windows.length; i++) {
      if (counts[i] === 0) continue;
      const value = context.windows[i]!['mean'];
      if (value === undefined) return undefined;
      weighted += value * counts[i]!;
    }
    return weighted / total;
  },
});

export const min = defineAggregate({
  name: 'min',
  help: 'min',
  description: 'smallest value',
  create: storing((s, out, key) => {
    const min = s.min;
    if (Number.isFinite(min)) out[key] = min;
  }),
  compaction: 'the smallest of the windows',
  merge: (key, context) => Math.min(...context.present(key)),
});

export const max = defineAggregate({
  name: 'max',
  help: 'max',
  description: 'largest value',
  create: storing((s, out, key) => {
    const max = s.max;
    if (Number.isFinite(max)) out[key] = max;
  }),
  compaction: 'the largest of the windows',
  merge: (key, context) => Math.max(...context.present(key)),
});

export const first = defineAggregate({
  name: 'first',
  help: 'first',
  description: 'value of the earliest reading **by timestamp** (event time), not arrival; of equal times, the earlier arrival',
  create: plain('ends', (s) => nonEmpty(s, s.firstValue)),
  compaction: "the oldest window's",
  merge: (key, context) => context.present(key)[0],
});

export const last = defineAggregate({
  name: 'last',
  help: 'last',
  description: 'value of the latest reading **by timestamp** (event time), not arrival; of equal times, the later arrival',
  create: plain('ends', (s) => nonEmpty(s, s.lastValue)),
  compaction: "the newest window's",
  merge: (key, context) => context.present(key).at(-1),
});

export const delta = defineAggregate({
  name: 'delta',
  help: 'delta',
  description: 'last − first (0 for one reading)',
  create: plain('ends', (s) => nonEmpty(s, s.lastValue - s.firstValue)),
  // Only when the rule has first and last: the jumps between windows are not known otherwise.
  compaction: 'from the merged `first` and `last`; dropped when the rule lacks either',
  merge: (_key, context) => {
    const firstValue = context.merged('first');
    const lastValue = context.merged('last');
    return firstValue === undefined || lastValue === undefined ? undefined : lastValue - firstValue;
  },
});

/** A spread pooled from count, mean and each window's own spread, exact up to rounding, when the rule has count and mean. */
function pooled(divide: (squaredDeviations: number, total: number) => number | undefined) {
  return (_key: string, context: MergeContext) => {
    const squaredDeviations = context.squaredDeviations();
    return squaredDeviations === undefined ? undefined : divide(squaredDeviations, context.total!);
  };
}

export const stddev = defineAggregate({
  name: 'stddev',
  help: 'stddev',
  description: 'sample standard deviation (divided by n − 1), by Welford\'s method, so 1e12 + small deviations keep their digits; left out for fewer than 2 readings',
  create: plain('moments', (s) => sqrt(sampleVariance(s))),
  compaction: "pooled from each window's `count`, `mean` and own spread; dropped when the rule lacks `count` or `mean`",
  merge: pooled((deviations, total) => (total > 1 ? Math.sqrt(deviations / (total - 1)) : undefined)),
});

export const variance = defineAggregate({
  name: 'variance',
  help: 'variance',
  description: 'sample variance (divided by n − 1), by Welford\'s method, so 1e12 + small deviations keep their digits; left out for fewer than 2 readings',
  create: plain('moments', sampleVariance),
  compaction: "pooled from each window's `count`, `mean` and own spread; dropped when the rule lacks `count` or `mean`",
  merge: pooled((deviations, total) => (total > 1 ? deviations / (total - 1) : undefined)),
});

export const stddevPopulation = defineAggregate({
  name: 'stddev_population',
  help: 'stddev_population',
  description: 'standard deviation divided by n; 0 for one reading',
  create: plain('moments', (s) => sqrt(populationVariance(s))),
  compaction: 'pooled like `stddev`',
  merge: pooled((deviations, total) => Math.sqrt(deviations / total)),
});

export const variancePopulation = defineAggregate({
  name: 'variance_population',
  help: 'variance_population',
  description: 'variance divided by n; 0 for one reading',
  create: plain('moments', populationVariance),
  compaction: 'pooled like `variance`',
  merge: pooled((deviations, total) => deviations / total),
});
