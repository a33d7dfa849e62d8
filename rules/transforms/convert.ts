import { z } from 'zod';
import { withValue } from './copy-reading.js';
import { defineTransform } from './transform-definition.js';
import { convertValue, unitConversion } from './units.js';

export const convertSchema = z
  .strictObject({
    from: z.string({ error: 'expected a unit such as C, hPa or km/h' }).describe('Unit of the incoming value.'),
    to: z.string({ error: 'expected a unit such as F, psi or mph' }).describe('Unit to convert to.'),
  })
  .transform((options, context) => {
    const conversion = unitConversion(options.from, options.to);
    if (typeof conversion === 'string') {
      context.addIssue({ code: 'custom', message: conversion });
      return z.NEVER;
    }
    return conversion;
  });

/** `convert: { from: C, to: F }` — between units of one dimension (see units.ts). */
export const convert = defineTransform(convertSchema, (conversion) => ({
  apply: (reading) => withValue(reading, convertValue(conversion, reading.value)),
}));
