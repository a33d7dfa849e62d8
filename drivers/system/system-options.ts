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
    .describe('How often the host is polled, e.g. 10s or 1m. The first poll happens at start.'),
  thermal_path: z
    .string()
    .min(1)
    .default('/sys/class/thermal')
    .describe('Directory holding thermal_zone*/type and thermal_zone*/temp; change only for tests or containers.'),
  proc_path: z
    .string()
    .min(1)
    .default('/proc')
    .describe('Directory holding loadavg, meminfo and uptime; change only for tests or containers.'),
  include: z
    .array(z.enum(SYSTEM_METRICS))
    .min(1)
    .prefault([...SYSTEM_METRICS])
    .describe('Which metrics to read: cpu_temperature, load, memory, uptime, disk, throttling. Defaults to all of them.'),
  disk_paths: z
    .array(z.string().min(1))
    .min(1)
    .default(['/'])
    .describe('File systems whose use is reported (the one holding the buffer is the one that matters).'),
  vcgencmd: z
    .string()
    .min(1)
    .default('vcgencmd')
    .describe("The Raspberry Pi firmware tool that reports under-voltage and throttling; skipped where it is absent."),
});

export type SystemOptions = z.output<typeof systemOptions>;
