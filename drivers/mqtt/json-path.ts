/**
 * A small path language for picking one value out of a JSON payload: `AM2301.Temperature`,
 * `$.AM2301.Temperature`, `sensors[0].value`, `$['key with.dots']`. It is parsed once, here, by hand: no eval,
 * no dependency, and only own properties are followed, so `constructor` or `__proto__` never reach the prototype.
 */
export type JsonPath = readonly (string | number)[];

/** Where a path led: the value, and the object and key that hold it (so the caller can skip that field). */
export interface JsonPathHit {
  readonly value: unknown;
  readonly parent: object;
  readonly key: string | number;
}

/** Parses a path; throws an Error naming the character where it went wrong. */
export function parseJsonPath(text: string): JsonPath {
  const segments: (string | number)[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`invalid path "${text}" at character ${i + 1}: ${what}`);
  };
  if (text.startsWith('$')) i = 1;
  // A leading name needs no dot: `AM2301.Temperature` is `$.AM2301.Temperature`.
  let expectName = i === 0 && !text.startsWith('[');
  while (i < text.length || expectName) {
    if (expectName) {
      const start = i;
      while (i < text.length && text[i] !== '.' && text[i] !== '[') i++;
      if (i === start) fail('expected a field name');
      segments.push(text.slice(start, i));
      expectName = false;
      continue;
    }
    const c = text[i];
    if (c === '.') {
      i++;
      expectName = true;
    } else if (c === '[') {
      i++;
      const quote = text[i];
      if (quote === '"' || quote === "'") {
        const end = text.indexOf(quote, i + 1);
        if (end < 0) fail(`missing closing ${quote}`);
        segments.push(text.slice(i + 1, end));
        i = end + 1;
      } else {
        const match = /^\d+/.exec(text.slice(i));
        if (!match) fail('expected an array index or a quoted name inside [ ]');
        segments.push(Number(match![0]));
        i += match![0].length;
      }
      if (text[i] !== ']') fail('expected ]');
      i++;
    } else {
      fail('expected . or [');
    }
  }
  if (segments.length === 0) fail('the path names no field');
  return segments;
}

/** Follows a path through objects (own keys only) and arrays (by index); undefined when it leads nowhere. */
export function evaluateJsonPath(root: unknown, path: JsonPath): JsonPathHit | undefined {
  let parent: unknown;
  let current: unknown = root;
  let key: string | number = '';
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return undefined;
    } else if (Array.isArray(current) || !Object.hasOwn(current, segment)) {
      return undefined;
    }
    parent = current;
    key = segment;
    current = (current as Record<string | number, unknown>)[segment];
  }
  if (current === undefined) return undefined;
  return { value: current, parent: parent as object, key };
}
