import type { BasicStats } from './basic-stats.js';

/** How each aggregate a rule may ask for is computed from a window's running statistics. */
export const AGGREGATES = {
  count: (stats: BasicStats) => stats.count,
  sum: (stats: BasicStats) => stats.sum,
  mean: (stats: BasicStats) => stats.sum / stats.count,
  min: (stats: BasicStats) => stats.min,
  max: (stats: BasicStats) => stats.max,
  first: (stats: BasicStats) => stats.first,
  last: (stats: BasicStats) => stats.last,
} as const satisfies Record<string, (stats: BasicStats) => number>;

export type AggregateName = keyof typeof AGGREGATES;
export const AGGREGATE_NAMES = Object.keys(AGGREGATES) as AggregateName[];
