import { parseDuration } from '../duration.js';
import { WindowState, type StateNeeds } from './window-state.js';

/** An aggregate as written in YAML: a name (`p95`), or a name with parameters (`{ integral: { unit: h } }`). */
export type AggregateItem = string | Record<string, unknown>;

/** An aggregate list the user wrote that cannot be used; the message says what to write instead. */
export class AggregateError extends Error {
  constructor(
    message: string,
    /** Position of the offending item in the list, where one item is to blame. */
    readonly index?: number,
  ) {
    super(message);
    this.name = 'AggregateError';
  }
}

/** The running statistics of one window for all of a rule's aggregates. */
export interface WindowAccumulator {
  readonly count: number;
  add(value: number, timestamp: number): void;
  /** Writes every aggregate for the window [start, end) into `out`; undefined values are left out. */
  emit(out: Record<string, number>, start: number, end: number): void;
  merge(other: WindowAccumulator): void;
}

/** A rule's aggregate list, compiled once: the output names, and a factory of per-window state. */
export interface CompiledAggregates {
  readonly outputs: readonly string[];
  create(): WindowAccumulator;
}

type Emit = (state: WindowState, out: Record<string, number>, start: number, end: number) => void;

interface Definition {
  readonly outputs: string[];
  readonly needs: Partial<Omit<StateNeeds, 'exactLimit' | 'histograms'>> & { histogram?: number[] };
  readonly emit: Emit;
}

const SIMPLE: Record<string, Definition> = {
  count: simple('count', { }, (s) => s.count),
  sum: simple('sum', {}, (s) => s.sum),
  mean: simple('mean', {}, (s) => (s.count > 0 ? s.sum / s.count : undefined)),
  min: simple('min', {}, (s) => (s.count > 0 ? s.min : undefined)),
  max: simple('max', {}, (s) => (s.count > 0 ? s.max : undefined)),
  first: simple('first', { ends: true }, (s) => (s.count > 0 ? s.firstValue : undefined)),
  last: simple('last', { ends: true }, (s) => (s.count > 0 ? s.lastValue : undefined)),
  delta: simple('delta', { ends: true }, (s) => (s.count > 0 ? s.lastValue - s.firstValue : undefined)),
  variance: simple('variance', { moments: true }, (s) => (s.count > 1 ? s.m2 / (s.count - 1) : undefined)),
  stddev: simple('stddev', { moments: true }, (s) => (s.count > 1 ? Math.sqrt(s.m2 / (s.count - 1)) : undefined)),
  variance_population: simple('variance_population', { moments: true }, (s) => (s.count > 0 ? s.m2 / s.count : undefined)),
  stddev_population: simple('stddev_population', { moments: true }, (s) => (s.count > 0 ? Math.sqrt(s.m2 / s.count) : undefined)),
  median: simple('median', { quantiles: true }, (s) => s.quantiles!.quantile(0.5)),
  mean_time_weighted: simple('mean_time_weighted', { series: true }, (s, _start, end) => s.series!.timeWeightedMean(end)),
  twa: simple('twa', { series: true }, (s, _start, end) => s.series!.timeWeightedMean(end)),
};

const PARAMETERIZED: Record<string, (parameters: unknown) => Definition> = {
  percentile: (parameters) => {
    if (typeof parameters !== 'number') throw new AggregateError('percentile: expected a number between 0 and 100, e.g. { percentile: 99.9 }');
    return percentile(parameters);
  },
  integral: (parameters) => {
    const unitMs = unitOf(parameters, 'integral', { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }, 1_000);
    return simple('integral', { series: true }, (s) => s.series!.integral(unitMs));
  },
  derivative: (parameters) => {
    const unitMs = durationUnit(parameters, 'derivative');
    return simple('derivative', { ends: true }, (s) =>
      s.count > 1 && s.lastTime > s.firstTime ? ((s.lastValue - s.firstValue) / (s.lastTime - s.firstTime)) * unitMs : undefined,
    );
  },
  rate: (parameters) => {
    const unitMs = durationUnit(parameters, 'rate');
    return simple('rate', { series: true }, (s) => s.series!.counterRate(unitMs));
  },
  histogram: (parameters) => {
    const buckets = (parameters as { buckets?: unknown } | null)?.buckets;
    if (!Array.isArray(buckets) || buckets.length === 0 || !buckets.every((b) => typeof b === 'number' && Number.isFinite(b))) {
      throw new AggregateError('histogram: expected { buckets: [upper bounds …] }, e.g. { histogram: { buckets: [0, 10, 20] } }');
    }
    const bounds = [...(buckets as number[])].sort((a, b) => a - b);
    if (new Set(bounds).size !== bounds.length) throw new AggregateError('histogram: bucket bounds must differ from each other');
    const outputs = [...bounds.map((bound) => `le_${boundName(bound)}`), 'le_inf'];
    return {
      outputs,
      needs: { histogram: bounds },
      emit: () => undefined, // filled in by compileAggregates, which knows the histogram's index
    };
  },
};

const NAMES = [...Object.keys(SIMPLE), 'pNN (p50, p95, p99.9)', ...Object.keys(PARAMETERIZED)];

/** Every aggregate there is, for messages and docs. */
export const AGGREGATE_HELP = `available: ${NAMES.join(', ')}`;

/** Default size up to which a window keeps its values for exact percentiles. */
export const DEFAULT_EXACT_LIMIT = 1_024;

/** Compiles a rule's `aggregates:` list; throws AggregateError with a message for the user. */
export function compileAggregates(items: readonly AggregateItem[], options: { exactLimit?: number } = {}): CompiledAggregates {
  const definitions = items.map((item, index) => {
    try {
      return definitionOf(item);
    } catch (error) {
      if (error instanceof AggregateError && error.index === undefined) throw new AggregateError(error.message, index);
      throw error;
    }
  });
  const outputs = definitions.flatMap((definition) => definition.outputs);
  const duplicate = outputs.find((name, index) => outputs.indexOf(name) !== index);
  if (duplicate !== undefined) {
    const index = definitions.findLastIndex((definition) => definition.outputs.includes(duplicate));
    throw new AggregateError(`"${duplicate}" is listed twice`, index);
  }

  const histograms: number[][] = [];
  const emits: Emit[] = definitions.map((definition) => {
    if (!definition.needs.histogram) return definition.emit;
    const index = histograms.push(definition.needs.histogram) - 1;
    const names = definition.outputs;
    return (state, out) => {
      const counts = state.histograms[index]!;
      let cumulative = 0;
      for (let i = 0; i < names.length; i++) {
        cumulative += counts[i]!;
        out[names[i]!] = cumulative;
      }
    };
  });
  const needs: StateNeeds = {
    moments: definitions.some((d) => d.needs.moments),
    ends: definitions.some((d) => d.needs.ends),
    quantiles: definitions.some((d) => d.needs.quantiles),
    series: definitions.some((d) => d.needs.series),
    histograms,
    exactLimit: options.exactLimit ?? DEFAULT_EXACT_LIMIT,
  };
  return {
    outputs,
    create: () => new Accumulator(new WindowState(needs), emits),
  };
}

class Accumulator implements WindowAccumulator {
  constructor(
    readonly state: WindowState,
    private readonly emits: readonly Emit[],
  ) {}

  get count(): number {
    return this.state.count;
  }

  add(value: number, timestamp: number): void {
    this.state.add(value, timestamp);
  }

  emit(out: Record<string, number>, start: number, end: number): void {
    for (const emit of this.emits) emit(this.state, out, start, end);
  }

  merge(other: WindowAccumulator): void {
    this.state.merge((other as Accumulator).state);
  }
}

function definitionOf(item: AggregateItem): Definition {
  if (typeof item === 'string') {
    if (Object.hasOwn(SIMPLE, item)) return SIMPLE[item]!;
    const match = /^p(\d+(?:\.\d+)?)$/.exec(item);
    if (match) return percentile(Number(match[1]));
    if (Object.hasOwn(PARAMETERIZED, item)) return PARAMETERIZED[item]!(undefined);
    throw new AggregateError(`unknown aggregate "${item}"${suggestion(item)}; ${AGGREGATE_HELP}`);
  }
  const keys = Object.keys(item);
  if (keys.length !== 1) throw new AggregateError(`an aggregate with parameters is one key, e.g. { integral: { unit: h } }; got ${keys.length} keys`);
  const name = keys[0]!;
  if (!Object.hasOwn(PARAMETERIZED, name)) {
    throw new AggregateError(`unknown aggregate "${name}"${suggestion(name)}; ${AGGREGATE_HELP}`);
  }
  return PARAMETERIZED[name]!(item[name]);
}

function percentile(p: number): Definition {
  if (!(p >= 0 && p <= 100)) throw new AggregateError(`percentile ${p} is outside 0 … 100`);
  const name = `p${String(p).replace('.', '_')}`;
  return simple(name, { quantiles: true }, (s) => s.quantiles!.quantile(p / 100));
}

function simple(name: string, needs: Definition['needs'], value: (state: WindowState, start: number, end: number) => number | undefined): Definition {
  return {
    outputs: [name],
    needs,
    emit: (state, out, start, end) => {
      const result = value(state, start, end);
      if (result !== undefined && Number.isFinite(result)) out[name] = result;
    },
  };
}

function unitOf(parameters: unknown, name: string, units: Record<string, number>, fallback: number): number {
  if (parameters === undefined || parameters === null) return fallback;
  const unit = (parameters as { unit?: unknown }).unit;
  if (typeof unit !== 'string' || !Object.hasOwn(units, unit)) {
    throw new AggregateError(`${name}: unit must be one of ${Object.keys(units).join(', ')}, e.g. { ${name}: { unit: h } }`);
  }
  return units[unit]!;
}

function durationUnit(parameters: unknown, name: string): number {
  if (parameters === undefined || parameters === null) return 1_000;
  const unit = (parameters as { unit?: unknown }).unit;
  const ms = typeof unit === 'string' ? parseDuration(unit) : undefined;
  if (ms === undefined || ms <= 0) throw new AggregateError(`${name}: unit must be a duration such as 1s, 1m or 1h, e.g. { ${name}: { unit: 1m } }`);
  return ms;
}

function boundName(bound: number): string {
  return String(bound).replace('-', 'm').replace('.', '_');
}

function suggestion(word: string): string {
  const candidates = [...Object.keys(SIMPLE), ...Object.keys(PARAMETERIZED), 'p50', 'p95', 'p99'];
  const aliases: Record<string, string> = { avg: 'mean', average: 'mean', std: 'stddev', var: 'variance', total: 'sum' };
  if (Object.hasOwn(aliases, word)) return ` (did you mean "${aliases[word]}"?)`;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = levenshtein(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
