import { hash } from 'node:crypto';
import type { RuleResult } from '../../rules/rule-result.js';

/**
 * A result's stable id: the same for every resend, after a restart and on every sink, so a consumer can drop
 * duplicates of at-least-once delivery. It hashes what identifies the result, not its values: the agent, the rule,
 * the series (source, sensor, tags in key order) and its time (a window's start, an alert's time and state, an
 * event's start). A revised or compacted window keeps the id of the window it replaces or starts with.
 * 22 characters of base64url (132 bits): short in a payload, collisions out of reach.
 */
export function resultId(agent: string, result: RuleResult): string {
  const tags = Object.keys(result.tags)
    .sort()
    .map((key) => [key, result.tags[key]]);
  const time =
    result.kind === 'window'
      ? [result.start]
      : result.kind === 'alert'
        ? [result.timestamp, result.state]
        : result.kind === 'event'
          ? [result.timestamp, result.event]
          : [result.timestamp];
  const identity = JSON.stringify([agent, result.kind, result.rule, result.source, result.sensor, tags, ...time]);
  // One-shot hash: no Hash object per result (one result in ten readings on a busy fleet).
  return hash('sha256', identity, 'base64url').slice(0, 22);
}
