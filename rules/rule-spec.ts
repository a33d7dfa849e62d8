import type { AggregateItem } from './aggregates/compile-aggregates.js';
import type { AlertRuleSpec } from './anomaly/alert-tracker.js';
import type { GroupAnomalySpec } from './anomaly/group-anomaly.js';
import type { DeriveSpec } from './derive/derive-spec.js';
import type { SelectSpec } from './select/reading-selector.js';
import type { GroupBy } from './windows/group-index.js';
import type { WindowSpec } from './windows/window-spec.js';

/**
 * One rule as the engine needs it: validated, durations in ms. The stages run in this order:
 * select (from, select, tags) → where → transform → derive → window (grouped, aggregated) or alert → result.
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
  /** Watches each sensor's readings with a detector and emits alert transitions instead of the readings. */
  readonly alert?: AlertSpec;
}

/** A rule's alert: detector, lifecycle and message, and a local action the agent runs on transitions. */
export interface AlertSpec extends Omit<AlertRuleSpec, 'rule'> {
  /** `anomaly: { across: [...] }`: one detector and one alert per group of sensors instead of one per sensor. */
  readonly group?: GroupAnomalySpec;
  /** Switch a GPIO output on while the alert fires. Run by the agent (the engine does no I/O). */
  readonly gpio?: { readonly pin: number; readonly activeLow: boolean; readonly maxOnMs?: number; readonly chipPath?: string };
}
