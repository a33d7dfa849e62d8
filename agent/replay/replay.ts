import type { Reading } from '../../rules/reading.js';
import { RuleEngine, type RuleCounters } from '../../rules/rule-engine.js';
import type { RuleResult } from '../../rules/rule-result.js';
import type { RuleSpec } from '../../rules/rule-spec.js';

export interface ReplaySummary {
  readonly readings: number;
  readonly results: number;
  readonly first: number | undefined;
  readonly last: number | undefined;
  readonly rules: RuleCounters[];
}

/**
 * Runs recorded readings through the rules as fast as they can go. The engine's clock is the recording's: it
 * stands at the newest timestamp read so far, so windows close exactly as they would have live with readings
 * arriving on time. At the end the clock moves to `until`, or else past every window so the last ones are
 * emitted too.
 */
export async function replay(
  rules: readonly RuleSpec[],
  readings: AsyncIterable<Reading>,
  write: (result: RuleResult) => void,
  options: { until?: number; forgetSilentMs?: number } = {},
): Promise<ReplaySummary> {
  const engine = new RuleEngine(rules, { forgetSilentMs: options.forgetSilentMs ?? 0 });
  let now = Number.NEGATIVE_INFINITY;
  let first: number | undefined;
  let count = 0;
  let results = 0;
  const emit = (batch: RuleResult[]) => {
    for (const result of batch) write(result);
    results += batch.length;
  };
  for await (const reading of readings) {
    count += 1;
    first ??= reading.timestamp;
    // The clock reaches a reading's time before the reading does, as the agent's ticking clock would: what time
    // alone brings (a sensor gone silent, `for:` running out) happens before a new reading can clear it.
    if (reading.timestamp > now) {
      now = reading.timestamp;
      emit(engine.advance(now));
    }
    engine.push(reading, now);
    emit(engine.advance(now));
  }
  if (options.until !== undefined) emit(engine.advance(options.until));
  else if (count > 0) emit(engine.advance(now + flushTime(rules)));
  return { readings: count, results, first, last: count > 0 ? now : undefined, rules: engine.counters() };
}

/** How far past the last reading the clock must move for every window still open to be emitted. */
export function flushTime(rules: readonly RuleSpec[]): number {
  let longest = 1;
  for (const rule of rules) {
    const window = rule.window;
    if (!window) continue;
    const extent = window.type === 'session' ? window.gapMs : window.type === 'count' ? 0 : window.sizeMs + window.offsetMs;
    longest = Math.max(longest, extent + window.allowedLatenessMs + 1);
  }
  return longest;
}
