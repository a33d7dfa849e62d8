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
  // The identity is JSON.stringify([agent, kind, rule, source, sensor, [[tag, value] …], …time]), as it always was;
  // its arrays are kept and filled in place rather than made per result (issue 24: allocations per result).
  const second = result.kind === 'alert' ? result.state : result.kind === 'event' ? result.event : NONE;
  const identity = second === NONE ? identityOfOne : identityOfTwo;
  identity[0] = agent;
  identity[1] = result.kind;
  identity[2] = result.rule;
  identity[3] = result.source;
  identity[4] = result.sensor;
  identity[5] = tagPairs(result.tags);
  identity[6] = result.kind === 'window' ? result.start : result.timestamp;
  if (second !== NONE) identity[7] = second;
  const text = JSON.stringify(identity);
  // One-shot hash: no Hash object per result (one result in ten readings on a busy fleet).
  return hash('sha256', text, 'base64url').slice(0, 22);
}

/** Marks a kind of result whose time is one value (window, reading), not a time and a state or event. */
const NONE = Symbol('none');
/** The identity of a result identified by one time, and of one identified by a time and a second value. */
const identityOfOne: unknown[] = new Array(7).fill(null);
const identityOfTwo: unknown[] = new Array(8).fill(null);
/** The tags of a result without tags, most of them: no arrays of their own. */
const NO_TAGS: readonly [string, string][] = [];

/** Tags as [key, value] pairs in key order. */
function tagPairs(tags: Readonly<Record<string, string>>): readonly [string, string][] {
  const keys = Object.keys(tags);
  if (keys.length === 0) return NO_TAGS;
  return keys.sort().map((key) => [key, tags[key]!]);
}
