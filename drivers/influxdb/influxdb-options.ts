import { z } from 'zod';
import { duration } from '../option-types.js';
import { compileMeasurementTemplate } from './result-points.js';

const httpUrl = () =>
  z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'expected an http(s) URL such as http://127.0.0.1:8086')
    .transform((url) => url.replace(/\/+$/, ''));

const driver = z.literal('influxdb');
const url = () =>
  httpUrl().describe('Server URL, e.g. `http://127.0.0.1:8086` (InfluxDB) or `http://127.0.0.1:8428` (VictoriaMetrics).');

/** Options every api shares. */
const common = {
  measurement: z
    .string()
    .default('{rule}')
    // Compiled here too, so `tributary validate` catches a misspelt placeholder.
    .refine(
      (template) => {
        try {
          compileMeasurementTemplate(template);
          return true;
        } catch {
          return false;
        }
      },
      { error: 'unknown placeholder; use {rule}, {source}, {sensor} or {tags.<name>}' },
    )
    .describe('Measurement name; `{rule}`, `{source}`, `{sensor}` and `{tags.<name>}` are replaced per result.'),
  alerts_measurement: z
    .string()
    .min(1)
    .default('alerts')
    .describe('Measurement of alert transitions, whatever the rule: one place for Grafana annotations.'),
  timeout: duration().prefault('10s').describe('How long one write may take before it counts as failed (and is retried).'),
};

const v2 = z.strictObject({
  driver,
  api: z.literal('v2').default('v2').describe('`v2` (the default): InfluxDB 2.x/3.x, VictoriaMetrics and other `/api/v2/write` servers.'),
  url: url(),
  org: z.string().min(1).describe('Organisation name or id.'),
  bucket: z.string().min(1).describe('Bucket to write to.'),
  token: z.string().describe('API token with write access to the bucket; write `${INFLUX_TOKEN}` to keep it out of the file.'),
  precision: z.enum(['ms', 's', 'us', 'ns']).default('ms').describe('Timestamp precision of the writes: `ms`, `s`, `us` or `ns`; with `s` the milliseconds are cut off.'),
  gzip: z.boolean().default(true).describe('Compress request bodies with gzip.'),
  ...common,
});

const v1 = z.strictObject({
  driver,
  api: z.literal('v1').describe('`v1`: InfluxDB 1.x `/write`, with a database and retention policy.'),
  url: url(),
  database: z.string().min(1).describe('Database to write to; it must exist (`CREATE DATABASE tributary`).'),
  retention_policy: z.string().min(1).optional().describe("Retention policy; the database's default when absent."),
  username: z.string().optional().describe('Sent as HTTP basic auth, for servers with `auth-enabled = true`.'),
  password: z.string().optional().describe('Password for basic auth; write `${INFLUX_PASSWORD}` to keep it out of the file.'),
  ...common,
});

// Chosen by `api`, so an error names the missing option of that api only; no `api` means v2 (its default).
export const influxdbSinkOptions = z.discriminatedUnion('api', [v1, v2], {
  error: (issue) => (issue.code === 'invalid_union' ? 'api must be v1 (InfluxDB 1.x) or v2 (the default)' : undefined),
});

export type InfluxdbSinkOptions = z.output<typeof influxdbSinkOptions>;
export type InfluxdbV1Options = z.output<typeof v1>;
export type InfluxdbV2Options = z.output<typeof v2>;
