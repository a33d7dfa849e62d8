import type { Tags } from './reading.js';

/** The aggregates of one closed window for one sensor: what a rule emits. */
export interface WindowResult {
  readonly kind: 'window';
  /** Name of the rule that produced it (`rules.<name>`). */
  readonly rule: string;
  readonly source: string;
  readonly sensor: string;
  readonly tags: Tags;
  /** Window bounds in ms since the epoch: start inclusive, end exclusive. */
  readonly start: number;
  readonly end: number;
  /** Aggregate name → value, in the order the rule lists them. Absent where undefined (stddev of one reading). */
  readonly values: Readonly<Record<string, number>>;
  /** 0 for the first emission; 1, 2 … each time a late reading updated the window (`late: update`). */
  readonly revision?: number;
}

/** A reading a rule passes on without a window: transformed, or derived from several sensors. */
export interface ReadingResult {
  readonly kind: 'reading';
  readonly rule: string;
  readonly source: string;
  readonly sensor: string;
  readonly tags: Tags;
  readonly timestamp: number;
  readonly value: number;
}

/** Everything the engine can emit. */
export type RuleResult = WindowResult | ReadingResult;
