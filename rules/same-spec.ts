/**
 * Whether two rule specs describe the same rule: deep equality of their plain data (strings, numbers, booleans,
 * arrays, objects), key order ignored and a key holding `undefined` treated as absent. Specs come from YAML, so no
 * functions, dates or cycles occur.
 */
export function sameSpec(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, index) => sameSpec(item, other[index]));
  }
  const left = definedKeys(a as Record<string, unknown>);
  const right = definedKeys(b as Record<string, unknown>);
  if (left.length !== right.length) return false;
  return left.every((key) => Object.hasOwn(b, key) && sameSpec((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function definedKeys(object: Record<string, unknown>): string[] {
  return Object.keys(object).filter((key) => object[key] !== undefined);
}
