import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import type { DriverContext, SinkBatch } from '../driver.js';
import { consoleSinkOptions } from './console-options.js';
import { createConsoleSink } from './console-sink.js';
import { systemClock } from '../clock.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

const context: DriverContext = {
  name: 'screen',
  log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  now: () => T0,
  clock: systemClock,
  badInput: () => {},
  setConnected: () => {},
};

const BATCH: SinkBatch = [
  {
    seq: 7,
    result: {
      kind: 'window',
      rule: 'greenhouse_10s',
      source: 'greenhouse',
      sensor: 'greenhouse/temperature',
      tags: { site: 'demo' },
      start: T0,
      end: T0 + 10_000,
      values: { count: 10, mean: 21.456789, min: 20.9, max: 22 },
    },
  },
  {
    seq: 8,
    result: {
      kind: 'window',
      rule: 'host_10s',
      source: 'host',
      sensor: 'system/load1',
      tags: {},
      start: T0,
      end: T0 + 10_000,
      values: { count: 2, mean: 0.5 },
    },
  },
];

/** Runs `send` and returns what it wrote to standard output. */
async function stdoutOf(format: 'text' | 'json' | undefined, batch: SinkBatch = BATCH): Promise<string> {
  const written: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(chunk.toString());
    return true;
  });
  const sink = createConsoleSink(consoleSinkOptions.parse({ driver: 'console', ...(format ? { format } : {}) }), context);
  await sink.start();
  await sink.send(batch);
  await sink.stop();
  vi.restoreAllMocks();
  return written.join('');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('console sink options', () => {
  it('default to the text format and reject other formats', () => {
    expect(consoleSinkOptions.parse({ driver: 'console' })).toEqual({ driver: 'console', format: 'text' });
    expect(consoleSinkOptions.safeParse({ driver: 'console', format: 'csv' }).success).toBe(false);
  });

  it('accept their own sample.yaml', () => {
    const sample = parse(readFileSync(new URL('./sample.yaml', import.meta.url), 'utf8')) as {
      sinks: Record<string, unknown>;
    };
    const entries = Object.values(sample.sinks);
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(() => consoleSinkOptions.parse(entry)).not.toThrow();
  });
});

describe('console sink', () => {
  it('prints one line per result in the text format: UTC window, rule, source:sensor, aggregates to 3 decimals', async () => {
    expect(await stdoutOf('text')).toBe(
      '12:00:00–12:00:10 greenhouse_10s greenhouse:greenhouse/temperature count=10 mean=21.457 min=20.900 max=22\n' +
        '12:00:00–12:00:10 host_10s host:system/load1 count=2 mean=0.500\n',
    );
  });

  it('prints a reading passed on without a window with its time, and marks an updated window with its revision', async () => {
    const batch: SinkBatch = [
      { seq: 1, result: { kind: 'reading', rule: 'celsius', source: 'zigbee', sensor: 'hall/temperature', tags: {}, timestamp: T0 + 1_500, value: 19.25 } },
      { seq: 2, result: { kind: 'window', rule: 'r', source: 's', sensor: 'x', tags: {}, start: T0, end: T0 + 60_000, values: { count: 4 }, revision: 1 } },
    ];
    expect(await stdoutOf('text', batch)).toBe(
      '12:00:01 celsius zigbee:hall/temperature value=19.250\n' + '12:00:00–12:01:00 r s:x count=4 revision=1\n',
    );
  });

  it('uses the text format when none is given', async () => {
    expect(await stdoutOf(undefined)).toBe(await stdoutOf('text'));
  });

  it('prints each result as one JSON object per line in the json format', async () => {
    const lines = (await stdoutOf('json')).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(BATCH.map((item) => item.result));
  });
});
