import { defineAggregate, storing } from './aggregate-definition.js';

/** max − min of a window, as Kapacitor's and InfluxQL's `spread`: how far a value swung, in its own unit. */
export const spread = defineAggregate({
  name: 'spread',
  help: 'spread',
  description: 'largest − smallest value (0 for one reading)',
  // -Infinity for an empty window (min +Infinity, max -Infinity): left out.
  create: storing((s, out, key) => {
    const spread = s.max - s.min;
    if (Number.isFinite(spread)) out[key] = spread;
  }),
  compaction: 'from the merged `min` and `max`; dropped when the rule lacks either',
  // Only when the rule has min and max: the windows' own spreads do not say how far apart they lie.
  merge: (_key, context) => {
    const smallest = context.merged('min');
    const largest = context.merged('max');
    return smallest === undefined || largest === undefined ? undefined : largest - smallest;
  },
});
