import { z } from 'zod';
import { defineAggregate, sumMerge } from './aggregate-definition.js';
import { bucketsOption, optionsOf } from './aggregate-parameters.js';
import { bucketKey } from './histogram.js';

export const histogram = defineAggregate({
  name: 'histogram',
  help: 'histogram { buckets: [0, 10, 20] }',
  written: '`{ histogram: { buckets: [0, 10, 20] } }`',
  outputKey: '`le_0`, `le_10`, `le_20`, `le_inf`',
  description: 'cumulative counts like Prometheus, `le_0`, `le_10`, `le_20`, `le_inf`: `le_10` counts values ≤ 10, `le_inf` all. Bounds are sorted; `-5` → `le_m5`, `2.5` → `le_2_5`',
  options: z.strictObject({
    buckets: z.array(z.number()).min(1).describe('Upper bounds of the buckets, e.g. [0, 10, 20]; le_inf is always added.'),
  }),
  outputKeys: /^le_/,
  create: (options) => {
    const bounds = bucketsOption(optionsOf('histogram', options, ['buckets'], '{ buckets: [0, 10, 20] }').buckets);
    const keys = [...Array.from(bounds, bucketKey), bucketKey(Number.POSITIVE_INFINITY)];
    return {
      outputs: keys,
      plan(layout) {
        const index = layout.histograms.push(bounds) - 1;
        return (state, out) => state.histograms[index]!.emit(out, keys);
      },
    };
  },
  // Bucket counts add up, where every window has the bucket.
  compaction: 'bucket counts added',
  merge: sumMerge,
});
