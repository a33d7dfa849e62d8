import type { BufferedResult } from '../../drivers/driver.js';
import type { RuleResult } from '../../rules/rule-result.js';
import type { AgentClock } from './agent-clock.js';

/**
 * A buffered result made while the clock was not synchronised, with every time it carries corrected by its clock
 * segment's correction, and marked `redated`; or left as it is and marked `unsynchronised` when the correction is
 * not known (the clock never synchronised, or the result is from an earlier boot).
 */
export function redateResult(item: BufferedResult, clock: AgentClock): BufferedResult {
  const stamp = item.clock;
  if (stamp === undefined) return item;
  const probe = clock.redate(0, stamp.segment, stamp.boot);
  if (probe.quality === 'synchronised') return item;
  if (probe.quality === 'unsynchronised') return { ...item, timeQuality: 'unsynchronised' };
  const shift = probe.time;
  return { ...item, result: shifted(item.result, shift), timeQuality: 'redated' };
}

function shifted(result: RuleResult, ms: number): RuleResult {
  switch (result.kind) {
    case 'window':
      return { ...result, start: result.start + ms, end: result.end + ms };
    case 'reading':
      return { ...result, timestamp: result.timestamp + ms };
    case 'alert':
      return { ...result, timestamp: result.timestamp + ms, since: result.since + ms };
    case 'event':
      return { ...result, timestamp: result.timestamp + ms, end: result.end + ms };
  }
}
