import { describe, expect, it } from 'vitest';
import type { Reading } from '../../rules/reading.js';
import { PipelineTap } from '../health/pipeline-tap.js';
import { LatestReadings } from './latest-readings.js';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const reading = (source: string, sensor: string, value: number, timestamp: number, tags: Record<string, string> = {}): Reading => ({ source, sensor, value, timestamp, tags });

describe('the latest readings of the live page', () => {
  it('keep the newest reading of each sensor of each source, with its unit, sorted by sensor then source', () => {
    const tap = new PipelineTap();
    const latest = new LatestReadings(tap);
    tap.reading(reading('pond', 'well/level', 1.2, T0, { unit: 'm' }));
    tap.reading(reading('house', 'boiler/temperature', 61, T0));
    tap.reading(reading('garden', 'well/level', 1.5, T0 + 500));
    tap.reading(reading('pond', 'well/level', 1.25, T0 + 1_000, { unit: 'm' }));
    expect(latest.list()).toEqual([
      { source: 'house', sensor: 'boiler/temperature', value: 61, unit: undefined, time: T0 },
      { source: 'garden', sensor: 'well/level', value: 1.5, unit: undefined, time: T0 + 500 },
      { source: 'pond', sensor: 'well/level', value: 1.25, unit: 'm', time: T0 + 1_000 },
    ]);
  });

  it('copy what they show: a reading object changed or reused later does not change the list', () => {
    const tap = new PipelineTap();
    const latest = new LatestReadings(tap);
    const reused = reading('pond', 'well/level', 1.2, T0, { unit: 'm' });
    tap.reading(reused);
    (reused as { value: number }).value = 99;
    (reused as { timestamp: number }).timestamp = T0 + 5_000;
    expect(latest.list()).toEqual([{ source: 'pond', sensor: 'well/level', value: 1.2, unit: 'm', time: T0 }]);
  });

  it('drop a sensor the agent forgot, and hear nothing more once closed', () => {
    const tap = new PipelineTap();
    const latest = new LatestReadings(tap);
    tap.reading(reading('pond', 'well/level', 1.2, T0));
    tap.reading(reading('pond', 'pump/current', 3.1, T0));
    latest.forget('pond', 'well/level');
    latest.forget('nowhere', 'well/level');
    expect(latest.list().map((row) => row.sensor)).toEqual(['pump/current']);
    latest.forget('pond', 'pump/current');
    expect(latest.list()).toEqual([]);
    // A forgotten sensor that reads again is back.
    tap.reading(reading('pond', 'well/level', 1.3, T0 + 1_000));
    expect(latest.list()).toEqual([{ source: 'pond', sensor: 'well/level', value: 1.3, unit: undefined, time: T0 + 1_000 }]);
    latest.close();
    tap.reading(reading('pond', 'well/level', 1.4, T0 + 2_000));
    expect(latest.list()[0]!.value).toBe(1.3);
  });
});
