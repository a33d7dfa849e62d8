import { AggregateError } from './aggregate-error.js';
import { AGGREGATE_HELP, parseAggregate, type AggregateDefinition, type EmitOutputs } from './aggregate-catalog.js';
import { DEFAULT_EXACT_LIMIT } from './quantile-store.js';
import type { FoldHorizon } from './time-series.js';
import { WindowState, type WindowLayout } from './window-state.js';

export { AggregateError } from './aggregate-error.js';
export { AGGREGATE_HELP } from './aggregate-catalog.js';
export { DEFAULT_EXACT_LIMIT } from './quantile-store.js';
export type { FoldHorizon } from './time-series.js';

/** An aggregate as written in YAML: a name (`p95`), or a name with options (`{ integral: { unit: h } }`). */
export type AggregateItem = string | Record<string, unknown>;

/** The running statistics of one window, for all of a rule's aggregates at once. */
export interface WindowAccumulator {
  /** Readings added so far (merged ones included). */
  readonly count: number;
  /** Readings kept one by one for twa, integral and rate; those before the fold horizon are folded into sums. */
  readonly storedPoints: number;
  /** Takes one reading; `timestamp` is its event time in ms. Allocation-free for the basic statistics. */
  add(value: number, timestamp: number): void;
  /** Writes every aggregate for the window [start, end) into `out`; an aggregate without a value is left out. */
  emit(out: Record<string, number>, start: number, end: number): void;
  /** Back to no readings, so the state can serve another window instead of being garbage. */
  reset(): void;
  /** Adds the readings of `other`, made by the same `create()`, as if they arrived after this window's own. */
  merge(other: WindowAccumulator): void;
}

/** A rule's aggregate list, compiled once: the output keys in order, and a factory of per-window state. */
export interface CompiledAggregates {
  readonly outputs: readonly string[];
  /** Whether windows keep their readings in time order (twa, integral, rate), so memory grows with a window's length. */
  readonly keepsSeries?: boolean;
  /**
   * A new window's state. `horizon`, moved forward by the window operator, says before when no reading can come
   * into the window any more; its twa, integral and rate then keep only the readings after it (same results).
   */
  create(horizon?: Readonly<FoldHorizon>): WindowAccumulator;
}

export interface AggregateOptions {
  /** Values a window keeps for exact percentiles before it moves to a sketch (1 % relative accuracy); default 1024. */
  readonly exactLimit?: number;
}

/**
 * Compiles a rule's `aggregates:` list; throws AggregateError, with the index of the item to blame, for anything a
 * user must change. All aggregates of the list share one state per window: one value store for every percentile,
 * one time-ordered series for twa, integral and rate.
 */
export function compileAggregates(items: readonly AggregateItem[], options: AggregateOptions = {}): CompiledAggregates {
  const exactLimit = options.exactLimit ?? DEFAULT_EXACT_LIMIT;
  if (!Number.isInteger(exactLimit) || exactLimit < 0) {
    throw new AggregateError(`exact_limit: expected a whole number of values, 0 or more, got ${exactLimit}`);
  }
  const definitions = items.map((item, index) => {
    try {
      return parseAggregate(item);
    } catch (error) {
      if (error instanceof AggregateError && error.index === undefined) throw new AggregateError(error.message, index);
      throw error;
    }
  });
  const outputs = uniqueOutputs(items, definitions);
  const layout: WindowLayout = { moments: false, ends: false, quantiles: false, series: false, histograms: [], exactLimit };
  const emits = definitions.map((definition) => definition.plan(layout));
  Object.freeze(layout);
  return { outputs, keepsSeries: layout.series, create: (horizon) => new Accumulator(layout, emits, horizon) };
}

/** Usable as a zod refinement: the message for an unusable list, or undefined when it compiles. */
export function checkAggregates(items: readonly AggregateItem[], options?: AggregateOptions): AggregateError | undefined {
  try {
    compileAggregates(items, options);
    return undefined;
  } catch (error) {
    if (error instanceof AggregateError) return error;
    throw error;
  }
}

function uniqueOutputs(items: readonly AggregateItem[], definitions: readonly AggregateDefinition[]): string[] {
  const writtenBy = new Map<string, number>();
  definitions.forEach((definition, index) => {
    for (const key of definition.outputs) {
      const earlier = writtenBy.get(key);
      if (earlier !== undefined) {
        throw new AggregateError(`output "${key}" would be written by both ${written(items[earlier])} and ${written(items[index])}; keep one`, index);
      }
      writtenBy.set(key, index);
    }
  });
  return [...writtenBy.keys()];
}

function written(item: AggregateItem | undefined): string {
  return typeof item === 'string' ? item : JSON.stringify(item);
}

/** A window's state with the rule's aggregates attached; a subclass, so `add` goes straight to the statistics. */
class Accumulator extends WindowState implements WindowAccumulator {
  constructor(
    layout: Readonly<WindowLayout>,
    private readonly emits: readonly EmitOutputs[],
    horizon: Readonly<FoldHorizon> | undefined,
  ) {
    super(layout, horizon);
  }

  emit(out: Record<string, number>, start: number, end: number): void {
    for (let i = 0; i < this.emits.length; i++) this.emits[i]!(this, out, start, end);
  }

  merge(other: WindowAccumulator): void {
    if (!(other instanceof Accumulator) || other.layout !== this.layout) {
      throw new Error('cannot merge windows of two different aggregate lists');
    }
    this.mergeState(other);
  }
}
