import type { RuleResult } from '../../rules/rule-result.js';

type Part = string | ((result: RuleResult) => string);

/**
 * Compiles `tributary/{rule}/{sensor}` once into parts, so building a topic per result is a few concatenations.
 * Throws on a placeholder it does not know, so a typo fails at start instead of publishing to `…/{sensr}`.
 */
export function compileTopicTemplate(template: string): (result: RuleResult) => string {
  const parts: Part[] = template.split(/(\{[^}]+\})/).filter(Boolean).map((piece): Part => {
    if (!piece.startsWith('{')) return piece;
    const name = piece.slice(1, -1);
    if (name === 'rule') return (r) => topicSafe(r.rule);
    if (name === 'source') return (r) => topicSafe(r.source);
    if (name === 'sensor') return (r) => topicSafe(r.sensor);
    if (name.startsWith('tags.')) {
      const tag = name.slice(5);
      return (r) => (Object.hasOwn(r.tags, tag) ? topicSafe(r.tags[tag]!) : '_');
    }
    throw new Error(`topic template "${template}": unknown placeholder ${piece}; use {rule}, {source}, {sensor} or {tags.<name>}`);
  });
  return (result) => {
    let topic = '';
    for (const part of parts) topic += typeof part === 'string' ? part : part(result);
    return topic;
  };
}

/**
 * A topic a client publishes to may not hold the wildcards + and # (nor NUL); a broker disconnects a client that
 * sends one, so one such sensor name or tag would block the sink forever. They become `_`.
 */
function topicSafe(value: string): string {
  return value.replace(/[+#\u0000]/g, '_');
}
