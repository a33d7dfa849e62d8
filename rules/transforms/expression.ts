import { z } from 'zod';
import { compileNumericExpression, ExpressionError, type ExpressionContext } from '../filter-expression.js';
import type { Reading } from '../reading.js';
import { withValue } from './copy-reading.js';
import { PerSensor } from './per-sensor.js';
import { defineTransform } from './transform-definition.js';

/** ESPHome lambdas are C++ (`return x * 1.8 + 32;`): the `return` and `;` are dropped, and `x` is the value. */
const ESPHOME_LAMBDA = /^\s*return\s+([\s\S]*?);?\s*$/;

function bodyOf(text: string): string {
  return ESPHOME_LAMBDA.exec(text)?.[1] ?? text;
}

function compile(text: string) {
  return compileNumericExpression(bodyOf(text), ['x']);
}

export const expressionSchema = z
  .string({ error: 'expected an expression such as "value * 1.8 + 32"' })
  .min(1, { error: 'expected an expression such as "value * 1.8 + 32"' })
  .superRefine((text, context) => {
    try {
      compile(text);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      const at = error.index === undefined ? '' : ` at character ${error.index}`;
      context.addIssue({ code: 'custom', message: `${error.message}${at}` });
    }
  });

/**
 * `expression: "value * 2 + 1"` (also `lambda:`) — the value computed by the expression language of `where:`
 * (rules/filter-expression.ts): value (or x), prev, timestamp, sensor, source, tags.<name>, arithmetic, comparisons
 * and abs, sqrt, pow, exp, log, log10, floor, ceil, round, min, max. `prev` is the value of the sensor's previous
 * reading at this step (NaN for the first). A result that is NaN or infinite (log of a negative value, a division by
 * zero) drops the reading.
 */
export const expression = defineTransform(expressionSchema, (text) => {
  const evaluate = compile(text);
  const variables = { x: 0 };
  const context: ExpressionContext = { reading: undefined as unknown as Reading, prev: Number.NaN, variables };
  const previous = /\bprev\b/.test(text) ? new PerSensor(() => ({ value: Number.NaN })) : undefined;
  let errors = 0;
  return {
    get errors() {
      return errors;
    },
    apply: (reading: Reading, now?: number) => {
      context.reading = reading;
      variables.x = reading.value;
      if (previous) {
        const last = previous.of(reading, now);
        context.prev = last.value;
        last.value = reading.value;
      }
      const value = evaluate(context);
      if (Number.isFinite(value)) return withValue(reading, value);
      // A sensor's first reading has no `prev` yet: dropping it is by design, not an error.
      if (!(previous && Number.isNaN(context.prev))) errors += 1;
      return undefined;
    },
    ...(previous ? { sensors: previous } : {}),
  };
});
