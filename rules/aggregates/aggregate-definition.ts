import type { z } from 'zod';
import type { WindowLayout, WindowState } from './window-state.js';

/** Writes an aggregate's outputs for the window [start, end) into `out`; an undefined result is left out. */
export type EmitOutputs = (state: WindowState, out: Record<string, number>, start: number, end: number) => void;

/** One aggregate as the user wrote it, ready to compile: the output keys it writes, and how. */
export interface AggregateDefinition {
  readonly outputs: readonly string[];
  /** Asks the shared window layout for what this aggregate reads; returns how it then writes its outputs. */
  plan(layout: WindowLayout): EmitOutputs;
}

/**
 * What merging consecutive windows of one series knows (a full buffer compacts old windows, see
 * agent/buffer/window-compaction.ts): each window's emitted values, oldest first, and the merged value of any other
 * output, so `mean` can weigh by `count` and `delta` take the merged `first` and `last`.
 */
export interface MergeContext {
  readonly windows: readonly Readonly<Record<string, number>>[];
  /** The values of `key` in the windows that have it, oldest first. */
  present(key: string): number[];
  /** Whether every window has `key` (a key absent from some is one the rule does not list: nothing exact can be said). */
  everyHas(key: string): boolean;
  /** Each window's `count`, when every window has one: the weights of means and spreads. */
  readonly counts: readonly number[] | undefined;
  readonly total: number | undefined;
  /** The merged value of another output, or undefined when it cannot be had. */
  merged(key: string): number | undefined;
  /** The sum of squared deviations of all readings, pooled from each window's count, mean and spread (Chan et al.). */
  squaredDeviations(): number | undefined;
}

/** How one output of the merged window is made from the windows' values; undefined drops it. */
export type MergeOutput = (key: string, context: MergeContext) => number | undefined;

/**
 * One aggregate kind, registered once in aggregate-catalog.ts: its YAML name, a line for the docs, the schema of its
 * options (for the JSON Schema and docs; absent when it takes none), the factory, and how its output survives the
 * compaction of a full buffer.
 */
export interface AggregateRegistration {
  readonly name: string;
  /** Other names written for the same aggregate; the output key is the name as written (`twa`). */
  readonly alias?: string;
  /** The aggregate as the list of every aggregate shows it: `integral { unit: h }`. */
  readonly help: string;
  /** One line for the docs: what the value is. */
  readonly description: string;
  /** How it is written, for the docs' list of every aggregate (Markdown); `name` when absent. */
  readonly written?: string;
  /** The output key(s) it writes, for the same list (Markdown); `name` when absent. */
  readonly outputKey?: string;
  /** The options under `{ name: … }`, when it takes any; validation is `create`'s, with the messages users get. */
  readonly options?: z.ZodType;
  /** Plain names that stand for this aggregate besides its name (`p95` for percentile), and the output keys it writes. */
  readonly names?: RegExp;
  readonly outputKeys?: RegExp;
  /**
   * Builds the aggregate from its options (undefined when written as a plain name) or, for `names`, from the name as
   * written; throws AggregateError (without index) saying what to change.
   */
  create(options: unknown, written: string): AggregateDefinition;
  /** For the docs: what a merged window of a full buffer holds for this output (`added`), or why it is dropped. */
  readonly compaction: string;
  /**
   * How the output merges when a full buffer compacts windows, or null when it cannot be rebuilt exactly from
   * per-window values (median, twa …): then compaction drops it rather than keep an approximation that looks exact.
   * Required, so a new aggregate says which it is.
   */
  readonly merge: MergeOutput | null;
}

export function defineAggregate(registration: AggregateRegistration): AggregateRegistration {
  return registration;
}

export type Value = (state: WindowState, start: number, end: number) => number | undefined;
export type Part = 'moments' | 'ends' | 'quantiles' | 'series';

/** An aggregate with one output key, computed from the window state. */
export function single(key: string, part: Part | undefined, value: Value): AggregateDefinition {
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

/** An aggregate without options: its output key is the name as written. */
export function plain(part: Part | undefined, value: Value): AggregateRegistration['create'] {
  return (_options, written) => single(written, part, value);
}

/** Stores an aggregate's output into `out[key]`, unless it has no finite value for the window. */
export type Store = (state: WindowState, out: Record<string, number>, key: string) => void;

/**
 * An aggregate without options whose own code stores its output: for count, sum, mean, min, max and spread, which
 * summary rules have. V8 keeps type feedback per function literal, so the one store in `single` sees every
 * rule's output keys and goes megamorphic (about 25 ns a key); a store in the aggregate's own literal sees one key.
 * A values object of count, mean, min and max is made in about half the time (BENCHMARKS.md, "Engine").
 */
export function storing(store: Store): AggregateRegistration['create'] {
  return (_options, written) => ({
    outputs: [written],
    plan: () => (state, out) => store(state, out, written),
  });
}

export const nonEmpty = (state: WindowState, result: number): number | undefined => (state.count > 0 ? result : undefined);

/** Merges that add up: only when every window has the key. */
export const sumMerge: MergeOutput = (key, context) => (context.everyHas(key) ? context.present(key).reduce((a, b) => a + b, 0) : undefined);
