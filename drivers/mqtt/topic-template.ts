import type { RuleResult } from '../../rules/rule-result.js';

type Part = string | ((result: RuleResult) => string);

/** Compiles `tributary/{rule}/{sensor}` once into parts, so building a topic per result is a few concatenations. */
export function compileTopicTemplate(template: string): (result: RuleResult) => string {
  const parts: Part[] = template.split(/(\{[^}]+\})/).filter(Boolean).map((piece): Part => {
    if (!piece.startsWith('{')) return piece;
    const name = piece.slice(1, -1);
    if (name === 'rule') return (r) => r.rule;
    if (name === 'source') return (r) => r.source;
    if (name === 'sensor') return (r) => r.sensor;
    if (name.startsWith('tags.')) {
      const tag = name.slice(5);
      return (r) => r.tags[tag] ?? '_';
    }
    return piece;
  });
  return (result) => {
    let topic = '';
    for (const part of parts) topic += typeof part === 'string' ? part : part(result);
    return topic;
  };
}
