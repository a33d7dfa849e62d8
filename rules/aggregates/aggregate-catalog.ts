import { z } from 'zod';
import { didYouMeanSuffix } from '../did-you-mean.js';
import { AggregateError } from './aggregate-error.js';
import type { AggregateDefinition, AggregateRegistration } from './aggregate-definition.js';
import { describe } from './aggregate-parameters.js';
import { count, delta, first, last, max, mean, min, stddev, stddevPopulation, sum, variance, variancePopulation } from './basic-aggregates.js';
import { histogram } from './histogram-aggregate.js';
import { median, percentile } from './percentile-aggregates.js';
import { derivative, integral, meanTimeWeighted, rate } from './series-aggregates.js';
import { spread } from './spread-aggregate.js';

export type { AggregateDefinition, EmitOutputs } from './aggregate-definition.js';

/**
 * Every aggregate a rule's `aggregates:` list may name, one line each, in the order the docs list them. Each
 * aggregate's file holds its name, docs line, options schema, factory and compaction merge (`defineAggregate`).
 */
export const AGGREGATES: readonly AggregateRegistration[] = [
  count,
  sum,
  mean,
  min,
  max,
  first,
  last,
  delta,
  spread,
  stddev,
  variance,
  stddevPopulation,
  variancePopulation,
  median,
  percentile,
  meanTimeWeighted,
  integral,
  derivative,
  rate,
  histogram,
];

const BY_NAME = new Map<string, AggregateRegistration>(
  AGGREGATES.flatMap((aggregate) => [[aggregate.name, aggregate] as const, ...(aggregate.alias ? [[aggregate.alias, aggregate] as const] : [])]),
);

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
export const AGGREGATE_HELP = AGGREGATES.map((aggregate) => aggregate.help).join(', ');

const KNOWN = [...BY_NAME.keys(), 'p50', 'p90', 'p95', 'p99'];

/** The registration whose plain name this is: its name or alias, or a name it stands for (`p95`). */
function named(name: string): AggregateRegistration | undefined {
  return BY_NAME.get(name) ?? AGGREGATES.find((aggregate) => aggregate.names?.test(name));
}

/** The registration that writes an output key (`mean`, `p99_9`, `le_10`), for merging compacted windows. */
export function aggregateOfOutput(key: string): AggregateRegistration | undefined {
  return BY_NAME.get(key) ?? AGGREGATES.find((aggregate) => aggregate.outputKeys?.test(key));
}

/** The aggregate an item of `aggregates:` stands for; throws AggregateError (without index) when it is not usable. */
export function parseAggregate(item: unknown): AggregateDefinition {
  if (typeof item === 'string') {
    const name = item.trim();
    const registration = named(name);
    if (registration) return registration.create(undefined, name);
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
  const registration = BY_NAME.get(name);
  if (registration?.options) return registration.create(options, name);
  if (registration || named(name)) {
    // `- mean:` parses as { mean: null }; accept that, but options on an aggregate that takes none are a mistake.
    if (options === null || options === undefined) return parseAggregate(name);
    throw new AggregateError(`${name}: takes no options; write it as a plain name: - ${name}`);
  }
  throw unknown(name);
}

function unknown(name: string): AggregateError {
  const alias = Object.hasOwn(ALIASES, name.toLowerCase()) ? ALIASES[name.toLowerCase()] : undefined;
  const hint = alias === undefined ? didYouMeanSuffix(name, KNOWN) : ` (did you mean "${alias}"?)`;
  return new AggregateError(`unknown aggregate "${name}"${hint}; available: ${AGGREGATE_HELP}`);
}

/**
 * One item of `aggregates:` as one schema, from the registrations: for the JSON Schema that gives editors
 * autocomplete. Validation goes through parseAggregate, whose messages follow the aggregate the user meant.
 */
export function aggregateItemSchema(): z.ZodType {
  const plainNames = AGGREGATES.filter((aggregate) => !aggregate.options || aggregate.options.safeParse(undefined).success).flatMap((aggregate) =>
    aggregate.alias ? [aggregate.name, aggregate.alias] : [aggregate.name],
  );
  const describedNames = z.enum(plainNames as [string, ...string[]]).describe(
    AGGREGATES.filter((aggregate) => plainNames.includes(aggregate.name))
      .map((aggregate) => `${aggregate.name}: ${aggregate.description}`)
      .join('\n'),
  );
  const patterns = AGGREGATES.filter((aggregate) => aggregate.names).map((aggregate) =>
    z.string().regex(aggregate.names!).describe(`${aggregate.help}: ${aggregate.description}`),
  );
  const withOptions = AGGREGATES.filter((aggregate) => aggregate.options).map((aggregate) =>
    z.strictObject({ [aggregate.name]: aggregate.options! }).describe(`${aggregate.help}: ${aggregate.description}`),
  );
  return z.union([describedNames, ...patterns, ...withOptions]);
}
