import type { AggregateName } from './aggregates.js';

/** A tumbling window: fixed, back-to-back, epoch-aligned intervals of `sizeMs`. */
export interface TumblingWindowSpec {
  readonly type: 'tumbling';
  readonly sizeMs: number;
  /** How long after its end a window stays open for readings that arrive late. */
  readonly allowedLatenessMs: number;
}

/** One rule as the engine needs it: already validated, durations in ms. */
export interface RuleSpec {
  readonly name: string;
  /** Source names the rule reads from; empty means every source. */
  readonly from: readonly string[];
  /** Sensor globs the rule reads; empty means every sensor. */
  readonly select: readonly string[];
  /** Filter expression; readings for which it is false are skipped. */
  readonly where?: string;
  readonly window: TumblingWindowSpec;
  readonly aggregates: readonly AggregateName[];
}
