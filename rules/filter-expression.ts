import jsep from 'jsep';
import type { Reading } from './reading.js';

/** A compiled `where:` expression: evaluated per reading, no parsing on the hot path. */
export type ReadingPredicate = (reading: Reading) => boolean;
type Evaluate = (reading: Reading) => unknown;

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
  value: (r) => r.value,
  timestamp: (r) => r.timestamp,
  sensor: (r) => r.sensor,
  source: (r) => r.source,
};

/**
 * Compiles a filter such as `value > -40 and value < 125 and tags.room == "north"` into a closure tree.
 * Only the operators, names and functions listed here exist: user text is never handed to `eval`.
 */
export function compileFilterExpression(text: string): ReadingPredicate {
  let ast: jsep.Expression;
  try {
    ast = jsep(text);
  } catch (error) {
    const { description, index } = error as { description?: string; index?: number };
    throw new ExpressionError(description ?? String(error), index);
  }
  const evaluate = compileNode(ast);
  return (reading) => Boolean(evaluate(reading));
}

function compileNode(node: jsep.Expression): Evaluate {
  switch (node.type) {
    case 'Literal': {
      const value = (node as jsep.Literal).value;
      return () => value;
    }
    case 'Identifier': {
      const name = (node as jsep.Identifier).name;
      if (name === 'true' || name === 'false') return () => name === 'true';
      // Own keys only: a plain object also "has" constructor, toString, __proto__ … through its prototype.
      const field = Object.hasOwn(READING_FIELDS, name) ? READING_FIELDS[name] : undefined;
      if (!field) {
        throw new ExpressionError(`unknown name "${name}": use value, timestamp, sensor, source or tags.<name>`, undefined);
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
      return (r) => (Object.hasOwn(r.tags, key) ? r.tags[key] : undefined);
    }
    case 'UnaryExpression': {
      const unary = node as jsep.UnaryExpression;
      const argument = compileNode(unary.argument);
      if (unary.operator === '-') return (r) => -(argument(r) as number);
      if (unary.operator === '+') return (r) => +(argument(r) as number);
      if (unary.operator === '!' || unary.operator === 'not') return (r) => !argument(r);
      throw new ExpressionError(`operator "${unary.operator}" is not supported`, undefined);
    }
    case 'BinaryExpression': {
      const binary = node as jsep.BinaryExpression;
      const left = compileNode(binary.left);
      const right = compileNode(binary.right);
      switch (binary.operator) {
        case '&&':
        case 'and':
          return (r) => Boolean(left(r)) && Boolean(right(r));
        case '||':
        case 'or':
          return (r) => Boolean(left(r)) || Boolean(right(r));
      }
      const apply = Object.hasOwn(BINARY, binary.operator) ? BINARY[binary.operator] : undefined;
      if (!apply) throw new ExpressionError(`operator "${binary.operator}" is not supported`, undefined);
      return (r) => apply(left(r), right(r));
    }
    case 'CallExpression': {
      const call = node as jsep.CallExpression;
      const callee = call.callee as jsep.Identifier;
      const fn = callee.type === 'Identifier' && Object.hasOwn(FUNCTIONS, callee.name) ? FUNCTIONS[callee.name] : undefined;
      if (!fn) {
        throw new ExpressionError(`unknown function; available: ${Object.keys(FUNCTIONS).join(', ')}`, undefined);
      }
      const args = call.arguments.map(compileNode);
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
