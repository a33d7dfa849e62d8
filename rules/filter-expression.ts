import jsep from 'jsep';
import type { Reading } from './reading.js';

/** A compiled `where:` expression: evaluated per reading, no parsing on the hot path. */
export type ReadingPredicate = (reading: Reading, prev?: number) => boolean;

/**
 * What an expression can see. One context object is reused for every evaluation (fields are overwritten), so
 * evaluating allocates nothing.
 */
export interface ExpressionContext {
  reading: Reading;
  /** The previous value of the same sensor in the same rule; NaN for its first reading. */
  prev: number;
  /** Named inputs of a derived reading (`t`, `rh` …), by the names given at compile time. */
  variables: Record<string, number>;
}

type Evaluate = (context: ExpressionContext) => unknown;

/** A `where:` expression the user wrote that cannot be compiled; `index` is the character it failed at. */
export class ExpressionError extends Error {
  constructor(message: string, readonly index: number | undefined) {
    super(message);
    this.name = 'ExpressionError';
  }
}

jsep.addBinaryOp('and', 2);
jsep.addBinaryOp('or', 1);
jsep.addUnaryOp('not');

const FUNCTIONS: Record<string, (...args: number[]) => number> = {
  abs: Math.abs,
  sqrt: Math.sqrt,
  pow: Math.pow,
  exp: Math.exp,
  /** Natural logarithm, as in most formula sheets (dew point, NTC thermistors). */
  log: Math.log,
  log10: Math.log10,
  floor: Math.floor,
  ceil: Math.ceil,
  round: (x, digits = 0) => {
    const scale = 10 ** digits;
    return Math.round(x * scale) / scale;
  },
  min: Math.min,
  max: Math.max,
};

const BINARY: Record<string, (a: unknown, b: unknown) => unknown> = {
  '+': (a, b) => (a as number) + (b as number),
  '-': (a, b) => (a as number) - (b as number),
  '*': (a, b) => (a as number) * (b as number),
  '/': (a, b) => (a as number) / (b as number),
  '%': (a, b) => (a as number) % (b as number),
  '<': (a, b) => (a as number) < (b as number),
  '<=': (a, b) => (a as number) <= (b as number),
  '>': (a, b) => (a as number) > (b as number),
  '>=': (a, b) => (a as number) >= (b as number),
  '==': (a, b) => a === b,
  '===': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '!==': (a, b) => a !== b,
};

const READING_FIELDS: Record<string, Evaluate> = {
  value: (c) => c.reading.value,
  timestamp: (c) => c.reading.timestamp,
  sensor: (c) => c.reading.sensor,
  source: (c) => c.reading.source,
  prev: (c) => c.prev,
};

/**
 * Compiles a filter such as `value > -40 and value < 125 and tags.room == "north"` into a closure tree.
 * Only the operators, names and functions listed here exist: user text is never handed to `eval`.
 */
export function compileFilterExpression(text: string): ReadingPredicate {
  const evaluate = compileExpression(text);
  // A filter on the value alone (the usual plausibility range) tests it directly: no context to fill per reading.
  const onValue = valueTest(jsep(text));
  if (onValue) return (reading) => onValue(reading.value);
  const context: ExpressionContext = { reading: undefined as unknown as Reading, prev: Number.NaN, variables: {} };
  return (reading, prev = Number.NaN) => {
    context.reading = reading;
    context.prev = prev;
    return Boolean(evaluate(context));
  };
}

/** A filter on the value alone, as its bounds: `value > -40 and value < 125`, `value >= 0`. */
export interface ValueRange {
  /** -Infinity, inclusive, without a lower bound. */
  readonly low: number;
  readonly lowInclusive: boolean;
  /** Infinity, inclusive, without an upper bound. */
  readonly high: number;
  readonly highInclusive: boolean;
}

/**
 * The bounds of a filter that only compares the value with numbers (one comparison, or a lower and an upper bound
 * joined by `and`), so a rule can test them itself rather than call the compiled filter; undefined for anything else.
 */
export function valueRangeOf(text: string): ValueRange | undefined {
  let node: jsep.Expression;
  try {
    node = jsep(text);
  } catch {
    return undefined;
  }
  const binary = node as jsep.BinaryExpression;
  const terms = node.type === 'BinaryExpression' && (binary.operator === 'and' || binary.operator === '&&') ? [binary.left, binary.right] : [node];
  let range: ValueRange = { low: Number.NEGATIVE_INFINITY, lowInclusive: true, high: Number.POSITIVE_INFINITY, highInclusive: true };
  let lows = 0;
  let highs = 0;
  for (const term of terms) {
    const compared = bound(term);
    if (!compared) return undefined;
    const inclusive = compared.operator.endsWith('=');
    if (compared.operator.startsWith('>')) {
      lows += 1;
      range = { ...range, low: compared.k, lowInclusive: inclusive };
    } else {
      highs += 1;
      range = { ...range, high: compared.k, highInclusive: inclusive };
    }
  }
  return lows <= 1 && highs <= 1 ? range : undefined;
}

/**
 * Compiles an expression that computes a number (a transform's `expression:`, a derived reading's formula).
 * `variables` names extra inputs, read from `context.variables`.
 */
export function compileNumericExpression(text: string, variables: readonly string[] = []): (context: ExpressionContext) => number {
  const evaluate = compileExpression(text, variables);
  return (context) => Number(evaluate(context));
}

/** Parses once and compiles into closures; throws ExpressionError with the failing character where known. */
export function compileExpression(text: string, variables: readonly string[] = []): Evaluate {
  let ast: jsep.Expression;
  try {
    ast = jsep(text);
  } catch (error) {
    const { description, index } = error as { description?: string; index?: number };
    throw new ExpressionError(description ?? String(error), index);
  }
  return compileNode(ast, new Set(variables));
}

function compileNode(node: jsep.Expression, variables: ReadonlySet<string>): Evaluate {
  switch (node.type) {
    case 'Literal': {
      const value = (node as jsep.Literal).value;
      return () => value;
    }
    case 'Identifier': {
      const name = (node as jsep.Identifier).name;
      if (name === 'true' || name === 'false') return () => name === 'true';
      // Own keys only: a plain object also "has" constructor, toString, __proto__ … through its prototype.
      if (variables.has(name)) return (c) => c.variables[name];
      const field = Object.hasOwn(READING_FIELDS, name) ? READING_FIELDS[name] : undefined;
      if (!field) {
        const extra = variables.size > 0 ? `, ${[...variables].join(', ')}` : '';
        throw new ExpressionError(`unknown name "${name}": use value, prev, timestamp, sensor, source${extra} or tags.<name>`, undefined);
      }
      return field;
    }
    case 'MemberExpression': {
      const member = node as jsep.MemberExpression;
      const object = member.object as jsep.Identifier;
      if (object.type !== 'Identifier' || object.name !== 'tags') {
        throw new ExpressionError('only tags.<name> may be looked up with a dot', undefined);
      }
      const key = member.computed
        ? (member.property as jsep.Literal).value
        : (member.property as jsep.Identifier).name;
      if (typeof key !== 'string') throw new ExpressionError('a tag name must be a word or a quoted string', undefined);
      return (c) => (Object.hasOwn(c.reading.tags, key) ? c.reading.tags[key] : undefined);
    }
    case 'UnaryExpression': {
      const unary = node as jsep.UnaryExpression;
      const argument = compileNode(unary.argument, variables);
      if (unary.operator === '-') return (r) => -(argument(r) as number);
      if (unary.operator === '+') return (r) => +(argument(r) as number);
      if (unary.operator === '!' || unary.operator === 'not') return (r) => !argument(r);
      throw new ExpressionError(`operator "${unary.operator}" is not supported`, undefined);
    }
    case 'BinaryExpression': {
      const binary = node as jsep.BinaryExpression;
      const left = compileNode(binary.left, variables);
      const right = compileNode(binary.right, variables);
      switch (binary.operator) {
        case '&&':
        case 'and': {
          const range = valueRange(binary, variables);
          if (range) return range;
          return (r) => !!left(r) && !!right(r);
        }
        case '||':
        case 'or':
          return (r) => !!left(r) || !!right(r);
      }
      if (!Object.hasOwn(BINARY, binary.operator)) {
        throw new ExpressionError(`operator "${binary.operator}" is not supported`, undefined);
      }
      const constant = constantOf(binary.right);
      const onValue = binary.left.type === 'Identifier' && (binary.left as jsep.Identifier).name === 'value' && !variables.has('value');
      if (onValue && typeof constant === 'number') {
        const compared = compareValueWith(binary.operator, constant);
        if (compared) return compared;
      }
      return compileBinary(binary.operator, left, right, constant);
    }
    case 'CallExpression': {
      const call = node as jsep.CallExpression;
      const callee = call.callee as jsep.Identifier;
      const fn = callee.type === 'Identifier' && Object.hasOwn(FUNCTIONS, callee.name) ? FUNCTIONS[callee.name] : undefined;
      if (!fn) {
        throw new ExpressionError(`unknown function; available: ${Object.keys(FUNCTIONS).join(', ')}`, undefined);
      }
      const args = call.arguments.map((argument) => compileNode(argument, variables));
      // Fixed arities get their own closure so a call allocates no argument array.
      const [a, b] = args;
      if (args.length === 1) return (r) => fn(a!(r) as number);
      if (args.length === 2) return (r) => fn(a!(r) as number, b!(r) as number);
      return (r) => fn(...args.map((arg) => arg(r) as number));
    }
    default:
      throw new ExpressionError(`"${node.type}" is not allowed in a filter`, undefined);
  }
}

/**
 * `value <op> <number>` (op one of < <= > >=), or two of them joined by `and`, as a test of the value alone; undefined
 * for any other expression. Same results as the closure tree, which also compares the value with the constants.
 */
function valueTest(node: jsep.Expression): ((value: number) => boolean) | undefined {
  if (node.type !== 'BinaryExpression') return undefined;
  const binary = node as jsep.BinaryExpression;
  if (binary.operator === 'and' || binary.operator === '&&') {
    const left = valueTest(binary.left);
    const right = left && valueTest(binary.right);
    if (!left || !right) return undefined;
    const low = bound(binary.left);
    const high = bound(binary.right);
    // The usual plausibility range in one comparison pair, without calls.
    if (low?.operator === '>' && high?.operator === '<') {
      const [a, b] = [low.k, high.k];
      return (v) => v > a && v < b;
    }
    return (v) => left(v) && right(v);
  }
  const compared = bound(node);
  if (!compared) return undefined;
  const k = compared.k;
  switch (compared.operator) {
    case '<': return (v) => v < k;
    case '<=': return (v) => v <= k;
    case '>': return (v) => v > k;
    default: return (v) => v >= k;
  }
}

/** `value <op> <number>` with op one of < <= > >=, as its operator and number. */
function bound(node: jsep.Expression): { operator: string; k: number } | undefined {
  if (node.type !== 'BinaryExpression') return undefined;
  const binary = node as jsep.BinaryExpression;
  const onValue = binary.left.type === 'Identifier' && (binary.left as jsep.Identifier).name === 'value';
  const k = constantOf(binary.right);
  return onValue && typeof k === 'number' && ['<', '<=', '>', '>='].includes(binary.operator) ? { operator: binary.operator, k } : undefined;
}

/**
 * The value of a literal, or of a sign before a number literal: jsep reads `-40` as minus applied to 40, and the
 * fast paths below compare with constants only.
 */
function constantOf(node: jsep.Expression): unknown {
  if (node.type === 'Literal') return (node as jsep.Literal).value;
  if (node.type !== 'UnaryExpression') return undefined;
  const unary = node as jsep.UnaryExpression;
  const value = unary.argument.type === 'Literal' ? (unary.argument as jsep.Literal).value : undefined;
  if (typeof value !== 'number') return undefined;
  return unary.operator === '-' ? -value : unary.operator === '+' ? value : undefined;
}

/**
 * Direct closures per operator (no table lookup per evaluation); a comparison with a number literal on the right,
 * the common `value > 30`, compares against the constant without calling a closure for it.
 */
function compileBinary(operator: string, left: Evaluate, right: Evaluate, constant: unknown): Evaluate {
  if (typeof constant === 'number') {
    const k = constant;
    switch (operator) {
      case '<': return (c) => (left(c) as number) < k;
      case '<=': return (c) => (left(c) as number) <= k;
      case '>': return (c) => (left(c) as number) > k;
      case '>=': return (c) => (left(c) as number) >= k;
      case '==':
      case '===': return (c) => left(c) === k;
      case '!=':
      case '!==': return (c) => left(c) !== k;
    }
  }
  switch (operator) {
    case '+': return (c) => (left(c) as number) + (right(c) as number);
    case '-': return (c) => (left(c) as number) - (right(c) as number);
    case '*': return (c) => (left(c) as number) * (right(c) as number);
    case '/': return (c) => (left(c) as number) / (right(c) as number);
    case '%': return (c) => (left(c) as number) % (right(c) as number);
    case '<': return (c) => (left(c) as number) < (right(c) as number);
    case '<=': return (c) => (left(c) as number) <= (right(c) as number);
    case '>': return (c) => (left(c) as number) > (right(c) as number);
    case '>=': return (c) => (left(c) as number) >= (right(c) as number);
    case '==':
    case '===': return (c) => left(c) === right(c);
    default: return (c) => left(c) !== right(c);
  }
}

/** `value <op> <number>`, the most common filter term, as one closure. */
function compareValueWith(operator: string, k: number): Evaluate | undefined {
  switch (operator) {
    case '<': return (c) => c.reading.value < k;
    case '<=': return (c) => c.reading.value <= k;
    case '>': return (c) => c.reading.value > k;
    case '>=': return (c) => c.reading.value >= k;
    default: return undefined;
  }
}

/** `value > a and value < b` (any of < <= > >=, number literals): the usual plausibility filter, as one closure. */
function valueRange(node: jsep.Expression, variables: ReadonlySet<string>): Evaluate | undefined {
  // `value` named as a variable (a derived reading's input) is not the reading's value.
  if (variables.has('value')) return undefined;
  const test = valueTest(node);
  return test && ((c) => test(c.reading.value));
}
