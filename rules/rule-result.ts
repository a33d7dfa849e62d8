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
  /** Aggregate name → value, in the order the rule lists them. */
  readonly values: Readonly<Record<string, number>>;
}

/** Everything the engine can emit. A union so alerts and other kinds can join later. */
export type RuleResult = WindowResult;
