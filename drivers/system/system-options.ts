import { z } from 'zod';
import { duration } from '../option-types.js';

/** The groups of host metrics the system source can read. */
export const SYSTEM_METRICS = ['cpu_temperature', 'load', 'memory', 'uptime', 'disk', 'throttling'] as const;
export type SystemMetric = (typeof SYSTEM_METRICS)[number];

export const systemOptions = z.strictObject({
  driver: z.literal('system'),
  interval: duration()
    .refine((ms) => ms > 0, { error: 'interval must be longer than 0' })
    .prefault('10s')
    .describe('How often the host is polled (`500ms`, `10s`, `5m` …); the first poll happens at start.'),
  thermal_path: z
    .string()
    .min(1)
    .default('/sys/class/thermal')
    .describe('Where the `thermal_zone*` directories are (their `type` and `temp`). Change only for tests or containers.'),
  proc_path: z
    .string()
    .min(1)
    .default('/proc')
    .describe('Where `loadavg`, `meminfo` and `uptime` are. Change only for tests or containers.'),
  include: z
    .array(z.enum(SYSTEM_METRICS))
    .min(1)
    .prefault([...SYSTEM_METRICS])
    .describe('Which metrics to read: any of `cpu_temperature`, `load`, `memory`, `uptime`, `disk`, `throttling`; all six by default.'),
  disk_paths: z
    .array(z.string().min(1))
    .min(1)
    .default(['/'])
    .describe('File systems whose use is reported (the one holding the buffer is the one that matters).'),
  vcgencmd: z
    .string()
    .min(1)
    .default('vcgencmd')
    .describe('The Pi firmware tool read for `throttling` (under-voltage, throttling); where it is absent the metric is skipped (logged once).'),
});

export type SystemOptions = z.output<typeof systemOptions>;
