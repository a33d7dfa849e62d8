import { z } from 'zod';

export const consoleSinkOptions = z.strictObject({
  driver: z.literal('console'),
  format: z
    .enum(['text', 'json'])
    .default('text')
    .describe('`text`: one readable line per result; `json`: one JSON object per line.'),
});

export type ConsoleSinkOptions = z.output<typeof consoleSinkOptions>;
