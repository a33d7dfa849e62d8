import type { AggregateItem } from './aggregates/compile-aggregates.js';
import type { DeriveSpec } from './derive/derive-spec.js';
import type { SelectSpec } from './select/reading-selector.js';
import type { GroupBy } from './windows/group-index.js';
import type { WindowSpec } from './windows/window-spec.js';

/**
 * One rule as the engine needs it: validated, durations in ms. The stages run in this order:
 * select (from, select, tags) → where → transform → derive or window (grouped, aggregated) → result.
 */
export interface RuleSpec extends SelectSpec {
  readonly name: string;
  /** Filter expression; readings for which it is false are skipped. May use `prev`. */
  readonly where?: string;
  /** Transform steps in their YAML form (`{ multiply: 1.8 }` …), compiled by the engine. */
  readonly transform: readonly unknown[];
  /** Combines readings of several sensors of one device into a new reading. */
  readonly derive?: DeriveSpec;
  /** Without a window the rule passes each (transformed or derived) reading on as a result. */
  readonly window?: WindowSpec;
  readonly groupBy: GroupBy;
  readonly aggregates: readonly AggregateItem[];
  /** When reading another rule's window results: which of their values becomes the reading's value. */
  readonly field?: string;
}
