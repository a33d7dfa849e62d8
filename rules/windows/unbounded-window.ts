import { compileAggregates } from '../aggregates/compile-aggregates.js';
import type { RuleSpec } from '../rule-spec.js';

/**
 * Why a valid rule may still use memory without bound, or undefined. A session with twa, integral or rate keeps
 * every reading until it ends, and over a sensor that never pauses it never ends: the agent's memory grows by the
 * hour. Not an error (a sensor that does pause is fine), so it is said when the rules are loaded, once per rule.
 */
export function unboundedWindowWarning(rule: RuleSpec): string | undefined {
  const window = rule.window;
  if (window?.type !== 'session' || window.maxDurationMs !== undefined || window.maxDelayMs !== undefined) return undefined;
  let keepsSeries = false;
  try {
    keepsSeries = compileAggregates(rule.aggregates).keepsSeries === true;
  } catch {
    return undefined; // the config check reports a bad aggregate list
  }
  if (!keepsSeries) return undefined;
  return (
    `rule "${rule.name}": a session window with mean_time_weighted (twa), integral or rate keeps every reading until the session ends, ` +
    'and a sensor that never pauses for the gap never ends it: set window.max_duration (or max_delay) to bound its memory'
  );
}
