import { z } from 'zod';
import { defineAggregate, single, type Value } from './aggregate-definition.js';
import { optionsOf, unitOption } from './aggregate-parameters.js';

/**
 * Aggregates over time: they need when each reading came (the window's series, or its ends), and what happened
 * between two windows is in neither, so compaction drops them.
 */

const timeWeightedMean: Value = (s, _start, end) => s.series!.timeWeightedMean(end);

const unit = (example: string) =>
  z
    .strictObject({
      unit: z
        .string()
        .optional()
        .describe(`A unit (ms, s, m, h, d) or a duration such as ${example}; default s.`),
    })
    .nullish();

export const meanTimeWeighted = defineAggregate({
  name: 'mean_time_weighted',
  alias: 'twa',
  help: 'mean_time_weighted (or twa)',
  written: '`mean_time_weighted` or `twa`',
  outputKey: 'the name written',
  description: 'sample-and-hold: each value weighted by how long it held, until the next reading; the last until the window\'s end. For sensors that report irregularly or on change',
  create: (_options, written) => single(written, 'series', timeWeightedMean),
  compaction: 'dropped: not rebuilt exactly from per-window values',
  merge: null,
});

export const integral = defineAggregate({
  name: 'integral',
  help: 'integral { unit: h }',
  written: '`integral`, `{ integral: { unit: h } }`',
  description: 'trapezoidal area under the readings from the first to the last reading of the window, in value × unit (unit default `s`; W with `h` → Wh); the stretch between two windows\' readings is in neither, so for energy totals prefer `mean_time_weighted` × window length, or one long window',
  options: unit('1h'),
  create: (options) => {
    const unitMs = unitOption('integral', optionsOf('integral', options, ['unit'], '{ unit: h }').unit, 1_000);
    return single('integral', 'series', (s) => s.series!.integral(unitMs));
  },
  compaction: 'dropped: the stretch between two windows is in neither',
  merge: null,
});

export const derivative = defineAggregate({
  name: 'derivative',
  help: 'derivative { unit: 1m }',
  written: '`derivative`, `{ derivative: { unit: 1m } }`',
  description: '(last − first) / time between them, per unit (default per second); left out for fewer than 2 readings or when they share one instant',
  options: unit('1m'),
  create: (options) => {
    const unitMs = unitOption('derivative', optionsOf('derivative', options, ['unit'], '{ unit: 1m }').unit, 1_000);
    return single('derivative', 'ends', (s) =>
      s.count > 1 && s.lastTime > s.firstTime ? ((s.lastValue - s.firstValue) / (s.lastTime - s.firstTime)) * unitMs : undefined,
    );
  },
  compaction: 'dropped: not rebuilt exactly from per-window values',
  merge: null,
});

export const rate = defineAggregate({
  name: 'rate',
  help: 'rate { unit: 1m }',
  written: '`rate`, `{ rate: { unit: 1m } }`',
  description: 'increase of a counter per unit over the readings\' span; a drop counts as a reset to 0 (like Prometheus\' `increase`, without extrapolating to the window\'s edges); left out like `derivative`',
  options: unit('1m'),
  create: (options) => {
    const unitMs = unitOption('rate', optionsOf('rate', options, ['unit'], '{ unit: 1m }').unit, 1_000);
    return single('rate', 'series', (s) => s.series!.counterRate(unitMs));
  },
  compaction: 'dropped: the increase between two windows is in neither',
  merge: null,
});
