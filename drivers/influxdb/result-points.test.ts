import { describe, expect, it } from 'vitest';
import type { BufferedResult } from '../driver.js';
import { formatPoint } from './line-protocol.js';
import { compileMeasurementNamer, compileMeasurementTemplate, resultToPoint, timestampIn } from './result-points.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

const window: BufferedResult = {
  seq: 7,
  result: {
    kind: 'window',
    rule: 'greenhouse_1m',
    source: 'sim',
    sensor: 'greenhouse/temperature',
    tags: { site: 'north', sensor: 'overridden' },
    start: T0,
    end: T0 + 60_000,
    values: { mean: 21.25, min: 20, max: 22.5 },
    revision: 1,
  },
};
const reading: BufferedResult = {
  seq: 8,
  result: { kind: 'reading', rule: 'pass', source: 'sim', sensor: 'door', tags: {}, timestamp: T0 + 1234, value: 1 },
};

describe('results as points', () => {
  it('write a window as its aggregates at its start, tagged with sensor, source and rule', () => {
    const point = resultToPoint(window, compileMeasurementTemplate('{rule}'), 'ms');
    expect(formatPoint(point)).toBe(
      `greenhouse_1m,rule=greenhouse_1m,sensor=greenhouse/temperature,site=north,source=sim mean=21.25,min=20,max=22.5 ${T0}`,
    );
  });

  it('write a reading as the field value at its timestamp', () => {
    const point = resultToPoint(reading, compileMeasurementTemplate('{rule}'), 'ms');
    expect(formatPoint(point)).toBe(`pass,rule=pass,sensor=door,source=sim value=1 ${T0 + 1234}`);
  });

  it('write every alert transition into the alerts measurement, with its text for Grafana annotations', () => {
    const alert: BufferedResult = {
      seq: 9,
      result: {
        kind: 'alert',
        rule: 'too_hot',
        source: 'sim',
        sensor: 'greenhouse/temperature',
        tags: { site: 'north' },
        timestamp: T0 + 5_000,
        state: 'firing',
        previous: 'pending',
        detector: 'threshold',
        severity: 'warning',
        value: 31.5,
        message: 'greenhouse/temperature at 31.5 °C, above 30',
        since: T0,
      },
    };
    const point = resultToPoint(alert, compileMeasurementNamer('{rule}', 'alerts'), 'ms');
    expect(formatPoint(point)).toBe(
      `alerts,detector=threshold,rule=too_hot,sensor=greenhouse/temperature,severity=warning,site=north,source=sim ` +
        `state="firing",message="greenhouse/temperature at 31.5 °C, above 30",since=${T0},value=31.5 ${T0 + 5_000}`,
    );
    expect(compileMeasurementNamer('{rule}', 'alerts')(window.result)).toBe('greenhouse_1m');
  });

  it('name the measurement from a template, falling back to the rule when it comes out empty', () => {
    expect(compileMeasurementTemplate('farm_{tags.site}_{source}')(window.result)).toBe('farm_north_sim');
    expect(compileMeasurementTemplate('{tags.missing}')(window.result)).toBe('greenhouse_1m');
    expect(() => compileMeasurementTemplate('{rle}')).toThrow(/unknown placeholder \{rle\}/);
  });

  it('convert ms timestamps to the precision of the write', () => {
    expect(timestampIn(T0 + 1500, 's')).toBe(String(Math.floor((T0 + 1500) / 1000)));
    expect(timestampIn(T0, 'ms')).toBe(String(T0));
    expect(timestampIn(T0, 'us')).toBe(`${T0}000`);
    expect(timestampIn(T0, 'ns')).toBe(`${T0}000000`);
  });
});
