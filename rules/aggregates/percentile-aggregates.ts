import { z } from 'zod';
import { defineAggregate, plain, single } from './aggregate-definition.js';
import { percentileKey, percentileOption } from './aggregate-parameters.js';

/**
 * Median and percentiles, from one value store per window (exact up to its limit, then a sketch). A percentile of
 * the whole cannot be rebuilt from the windows' percentiles, so compaction drops them.
 */

const PERCENTILE_NAME = /^p(\d+(?:\.\d+)?)$/;

export const median = defineAggregate({
  name: 'median',
  help: 'median',
  description: 'the 50th percentile, as `p50`',
  create: plain('quantiles', (s) => s.quantiles!.percentile(50)),
  compaction: 'dropped: not rebuilt exactly from per-window values',
  merge: null,
});

export const percentile = defineAggregate({
  name: 'percentile',
  help: 'pNN (p50, p95, p99.9 …), { percentile: 99.9 }',
  written: '`p95`, `p99.9`, any `pNN`; `{ percentile: 99.9 }`',
  outputKey: '`p95`, `p99_9`',
  description: 'percentiles, output as `p95`, `p99_9`; `p0` is the minimum, `p100` the maximum. **Exact** (linear interpolation between closest ranks, numpy\'s default) while a window holds at most 1,024 values; beyond that, from a [DDSketch](https://github.com/DataDog/sketches-js) with 1 % relative accuracy, so memory stays small for long windows',
  options: z.number().min(0).max(100).describe('The percentile, from 0 to 100, e.g. 99.9 (output p99_9).'),
  names: PERCENTILE_NAME,
  outputKeys: /^p\d/,
  create: (options, written) => {
    const named = PERCENTILE_NAME.exec(written);
    // The key is the name as written (`p05` stays `p05`), with _ for the decimal point: `p99.9` → `p99_9`.
    if (named) return at(written.replace('.', '_'), percentileOption(written, Number(named[1])));
    const p = percentileOption('percentile', options);
    return at(percentileKey(p), p);
  },
  compaction: 'dropped: not rebuilt exactly from per-window values',
  merge: null,
});

function at(key: string, percent: number) {
  return single(key, 'quantiles', (s) => s.quantiles!.percentile(percent));
}
