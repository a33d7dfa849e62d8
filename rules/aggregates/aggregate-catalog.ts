import { didYouMeanSuffix } from '../did-you-mean.js';
import { AggregateError } from './aggregate-error.js';
import { bucketsOption, describe, optionsOf, percentileKey, percentileOption, unitOption } from './aggregate-parameters.js';
import { bucketKey } from './histogram.js';
import type { WindowLayout, WindowState } from './window-state.js';

/** Writes an aggregate's outputs for the window [start, end) into `out`; an undefined result is left out. */
export type EmitOutputs = (state: WindowState, out: Record<string, number>, start: number, end: number) => void;

/** One aggregate as the user wrote it, ready to compile: the output keys it writes, and how. */
export interface AggregateDefinition {
  readonly outputs: readonly string[];
  /** Asks the shared window layout for what this aggregate reads; returns how it then writes its outputs. */
  plan(layout: WindowLayout): EmitOutputs;
}

type Value = (state: WindowState, start: number, end: number) => number | undefined;
type Part = 'moments' | 'ends' | 'quantiles' | 'series';

/** An aggregate with one output key, computed from the window state. */
function single(key: string, part: Part | undefined, value: Value): AggregateDefinition {
  return {
    outputs: [key],
    plan(layout) {
      if (part) layout[part] = true;
      return (state, out, start, end) => {
        const result = value(state, start, end);
        if (result !== undefined && Number.isFinite(result)) out[key] = result;
      };
    },
  };
}

const nonEmpty = (state: WindowState, result: number): number | undefined => (state.count > 0 ? result : undefined);
const sampleVariance = (s: WindowState) => (s.count > 1 ? s.squaredDeviations / (s.count - 1) : undefined);
const populationVariance = (s: WindowState) => (s.count > 0 ? s.squaredDeviations / s.count : undefined);
const timeWeightedMean: Value = (s, _start, end) => s.series!.timeWeightedMean(end);

/** Aggregates written as a plain name, without options. The output key is the name. */
const PLAIN: Readonly<Record<string, (key: string) => AggregateDefinition>> = {
  count: (key) => single(key, undefined, (s) => s.count),
  sum: (key) => single(key, undefined, (s) => s.sum),
  mean: (key) => single(key, undefined, (s) => nonEmpty(s, s.sum / s.count)),
  min: (key) => single(key, undefined, (s) => nonEmpty(s, s.min)),
  max: (key) => single(key, undefined, (s) => nonEmpty(s, s.max)),
  first: (key) => single(key, 'ends', (s) => nonEmpty(s, s.firstValue)),
  last: (key) => single(key, 'ends', (s) => nonEmpty(s, s.lastValue)),
  delta: (key) => single(key, 'ends', (s) => nonEmpty(s, s.lastValue - s.firstValue)),
  stddev: (key) => single(key, 'moments', (s) => sqrt(sampleVariance(s))),
  variance: (key) => single(key, 'moments', sampleVariance),
  stddev_population: (key) => single(key, 'moments', (s) => sqrt(populationVariance(s))),
  variance_population: (key) => single(key, 'moments', populationVariance),
  median: (key) => single(key, 'quantiles', (s) => s.quantiles!.percentile(50)),
  mean_time_weighted: (key) => single(key, 'series', timeWeightedMean),
  twa: (key) => single(key, 'series', timeWeightedMean),
};

/** Aggregates with options, written `{ name: { option: value } }` (or as a plain name when every option has a default). */
const WITH_OPTIONS: Readonly<Record<string, (options: unknown) => AggregateDefinition>> = {
  percentile: (percent) => {
    const p = percentileOption('percentile', percent);
    return percentileAggregate(percentileKey(p), p);
  },
  integral: (options) => {
    const unitMs = unitOption('integral', optionsOf('integral', options, ['unit'], '{ unit: h }').unit, 1_000);
    return single('integral', 'series', (s) => s.series!.integral(unitMs));
  },
  derivative: (options) => {
    const unitMs = unitOption('derivative', optionsOf('derivative', options, ['unit'], '{ unit: 1m }').unit, 1_000);
    return single('derivative', 'ends', (s) =>
      s.count > 1 && s.lastTime > s.firstTime ? ((s.lastValue - s.firstValue) / (s.lastTime - s.firstTime)) * unitMs : undefined,
    );
  },
  rate: (options) => {
    const unitMs = unitOption('rate', optionsOf('rate', options, ['unit'], '{ unit: 1m }').unit, 1_000);
    return single('rate', 'series', (s) => s.series!.counterRate(unitMs));
  },
  histogram: (options) => {
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
};

/** Names people bring from elsewhere (SQL, Telegraf's basicstats, Prometheus) and what they are called here. */
const ALIASES: Readonly<Record<string, string>> = {
  avg: 'mean',
  average: 'mean',
  total: 'sum',
  std: 'stddev',
  stdev: 'stddev',
  s2: 'variance',
  var: 'variance',
  diff: 'delta',
  increase: 'rate',
  quantile: 'percentile',
  integrate: 'integral',
  time_weighted_average: 'twa',
  twavg: 'twa',
};

/** Every aggregate there is, in one line, for messages and docs. */
export const AGGREGATE_HELP =
  'count, sum, mean, min, max, first, last, delta, stddev, variance, stddev_population, variance_population, ' +
  'median, pNN (p50, p95, p99.9 …), { percentile: 99.9 }, mean_time_weighted (or twa), integral { unit: h }, ' +
  'derivative { unit: 1m }, rate { unit: 1m }, histogram { buckets: [0, 10, 20] }';

const PERCENTILE_NAME = /^p(\d+(?:\.\d+)?)$/;
const KNOWN = [...Object.keys(PLAIN), ...Object.keys(WITH_OPTIONS), 'p50', 'p90', 'p95', 'p99'];

/** The aggregate an item of `aggregates:` stands for; throws AggregateError (without index) when it is not usable. */
export function parseAggregate(item: unknown): AggregateDefinition {
  if (typeof item === 'string') {
    const name = item.trim();
    if (Object.hasOwn(PLAIN, name)) return PLAIN[name]!(name);
    const percentile = PERCENTILE_NAME.exec(name);
    // The key is the name as written (`p05` stays `p05`), with _ for the decimal point: `p99.9` → `p99_9`.
    if (percentile) return percentileAggregate(name.replace('.', '_'), percentileOption(name, Number(percentile[1])));
    if (Object.hasOwn(WITH_OPTIONS, name)) return WITH_OPTIONS[name]!(undefined);
    throw unknown(name);
  }
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new AggregateError(`an aggregate is a name such as mean, or a mapping such as { integral: { unit: h } }; got ${describe(item)}`);
  }
  const keys = Object.keys(item);
  if (keys.length !== 1) {
    throw new AggregateError(
      `an aggregate with options is a mapping with one key, such as { integral: { unit: h } }; got ${keys.length} keys (${keys.join(', ')})`,
    );
  }
  const name = keys[0]!;
  const options = (item as Record<string, unknown>)[name];
  if (Object.hasOwn(WITH_OPTIONS, name)) return WITH_OPTIONS[name]!(options);
  if (Object.hasOwn(PLAIN, name) || PERCENTILE_NAME.test(name)) {
    // `- mean:` parses as { mean: null }; accept that, but options on an aggregate that takes none are a mistake.
    if (options === null || options === undefined) return parseAggregate(name);
    throw new AggregateError(`${name}: takes no options; write it as a plain name: - ${name}`);
  }
  throw unknown(name);
}

function percentileAggregate(key: string, percent: number): AggregateDefinition {
  return single(key, 'quantiles', (s) => s.quantiles!.percentile(percent));
}

function unknown(name: string): AggregateError {
  const alias = Object.hasOwn(ALIASES, name.toLowerCase()) ? ALIASES[name.toLowerCase()] : undefined;
  const hint = alias === undefined ? didYouMeanSuffix(name, KNOWN) : ` (did you mean "${alias}"?)`;
  return new AggregateError(`unknown aggregate "${name}"${hint}; available: ${AGGREGATE_HELP}`);
}

function sqrt(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.sqrt(value);
}
