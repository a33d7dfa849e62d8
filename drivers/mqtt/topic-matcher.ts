/**
 * A source's `topic_template`, such as `sensors/{room}/{sensor}`, compiled once into a subscription filter and a
 * matcher. Each level is one of:
 *
 * - a literal (`sensors`), which the topic must have at that level;
 * - `{sensor}`, one level that names the sensor; several `{sensor}` levels are joined with `/` in order;
 * - `{name}`, one level whose text becomes the tag `name`;
 * - `+`, any one level, ignored;
 * - `#`, last only: all remaining levels (none too), which become the end of the sensor name.
 *
 * (The sink's `topic` template, which builds topics, is a different thing: see topic-template.ts.)
 */
export interface TopicMatch {
  /** The sensor name from `{sensor}` and `#` levels; undefined when the template has none of them. */
  readonly sensor: string | undefined;
  /** One tag per `{name}` level. */
  readonly tags: Record<string, string>;
}

export interface TopicMatcher {
  readonly template: string;
  /** The MQTT filter that receives every topic the template can match: placeholders become `+`. */
  readonly filter: string;
  /** The sensor and tags of a topic, or undefined when the topic does not fit the template. */
  match(topic: string): TopicMatch | undefined;
}

type Level =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'sensor' }
  | { readonly kind: 'tag'; readonly name: string }
  | { readonly kind: 'any' };

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Compiles a template; throws an Error that says what is wrong with it. */
export function compileTopicMatcher(template: string): TopicMatcher {
  const fail = (why: string): never => {
    throw new Error(`topic_template "${template}": ${why}`);
  };
  if (template === '') fail('is empty');
  const parts = template.split('/');
  const rest = parts.at(-1) === '#';
  if (rest) parts.pop();
  const levels: Level[] = [];
  const tagNames = new Set<string>();
  for (const part of parts) {
    if (part === '#') fail('# may only be the last level');
    if (part === '+') {
      levels.push({ kind: 'any' });
    } else if (part.startsWith('{') && part.endsWith('}')) {
      const name = part.slice(1, -1);
      if (!NAME.test(name)) fail(`{${name}} is not a placeholder; write {sensor} or {<tag name>} (letters, digits, _ and -)`);
      if (name === 'sensor') {
        levels.push({ kind: 'sensor' });
      } else {
        if (tagNames.has(name)) fail(`{${name}} appears twice`);
        tagNames.add(name);
        levels.push({ kind: 'tag', name });
      }
    } else if (/[{}+#\u0000]/.test(part)) {
      fail(`level "${part}" mixes text with { } + or #; a placeholder or wildcard must be a whole level`);
    } else {
      levels.push({ kind: 'literal', text: part });
    }
  }
  const namesSensor = rest || levels.some((level) => level.kind === 'sensor');
  const filter = [...levels.map((level) => (level.kind === 'literal' ? level.text : '+')), ...(rest ? ['#'] : [])].join('/');

  return {
    template,
    filter,
    match(topic) {
      const topicLevels = topic.split('/');
      if (rest ? topicLevels.length < levels.length : topicLevels.length !== levels.length) return undefined;
      const sensorParts: string[] = [];
      const tags: Record<string, string> = {};
      for (let i = 0; i < levels.length; i++) {
        const level = levels[i]!;
        const text = topicLevels[i]!;
        if (level.kind === 'literal') {
          if (text !== level.text) return undefined;
        } else if (level.kind === 'sensor') {
          sensorParts.push(text);
        } else if (level.kind === 'tag') {
          tags[level.name] = text;
        }
      }
      if (rest) sensorParts.push(...topicLevels.slice(levels.length));
      const sensor = namesSensor ? sensorParts.join('/') : undefined;
      // `sensors/#` also receives `sensors` itself; a reading needs a name, so that topic does not fit.
      if (sensor === '') return undefined;
      return { sensor, tags };
    },
  };
}
