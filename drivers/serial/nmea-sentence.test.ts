import { describe, expect, it } from 'vitest';
import { checksum, parseNmeaSentence } from './nmea-sentence.js';

const ALL = new Set(['GGA', 'RMC', 'VTG']);

/** Builds a sentence with its correct checksum. */
function sentence(body: string): string {
  return `$${body}*${checksum(body).toString(16).toUpperCase().padStart(2, '0')}`;
}

function values(line: string) {
  const result = parseNmeaSentence(line, ALL);
  return { values: Object.fromEntries(result.values.map((v) => [v.field, v.value])), problem: result.problem };
}

describe('NMEA 0183 sentences', () => {
  it('read position, altitude, fix quality, satellites and hdop from GGA', () => {
    const { values: v, problem } = values('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47');
    expect(problem).toBeUndefined();
    expect(v).toEqual({ fix_quality: 1, satellites: 8, hdop: 0.9, latitude: expect.closeTo(48.1173, 6), longitude: expect.closeTo(11.516667, 5), altitude: 545.4 });
  });

  it('give south and west as negative degrees', () => {
    const { values: v } = values(sentence('GNGGA,000000,3352.1280,S,15112.7770,W,2,11,1.0,10.0,M,0,M,,'));
    expect(v['latitude']).toBeCloseTo(-(33 + 52.128 / 60), 9);
    expect(v['longitude']).toBeCloseTo(-(151 + 12.777 / 60), 9);
    expect(v['fix_quality']).toBe(2);
  });

  it('give only fix quality and satellites from a GGA without a fix', () => {
    const { values: v, problem } = values(sentence('GPGGA,123519,,,,,0,00,,,M,,M,,'));
    expect(problem).toBeUndefined();
    expect(v).toEqual({ fix_quality: 0, satellites: 0 });
  });

  it('read position, speed in knots and km/h and course from a valid RMC, nothing from a void one', () => {
    const { values: v } = values('$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A');
    expect(v).toEqual({ latitude: expect.closeTo(48.1173, 6), longitude: expect.closeTo(11.516667, 5), speed_knots: 22.4, speed_kmh: expect.closeTo(41.4848, 6), course: 84.4 });
    expect(values(sentence('GPRMC,123519,V,,,,,,,230394,,')).values).toEqual({});
  });

  it('read course and both speeds from VTG', () => {
    expect(values('$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48').values).toEqual({ course: 54.7, speed_knots: 5.5, speed_kmh: 10.2 });
  });

  it('reject a wrong or missing checksum', () => {
    expect(values('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48').problem?.kind).toBe('serial-nmea-checksum');
    expect(values('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,').problem?.kind).toBe('serial-nmea-checksum');
    expect(values('$GPGGA,1*ZZ').problem?.kind).toBe('serial-nmea-checksum');
    expect(parseNmeaSentence(sentence('GPVTG,054.7,T,,M,005.5,N,010.2,K').replace(/\*..$/, ''), ALL, false).values).toHaveLength(3);
  });

  it('report malformed fields without emitting them', () => {
    const result = values(sentence('GPGGA,123519,48x7.038,N,01131.000,E,1,08,0.9,abc,M,46.9,M,,'));
    expect(result.problem?.kind).toBe('serial-bad-nmea');
    expect(result.values).toEqual({ fix_quality: 1, satellites: 8, hdop: 0.9, longitude: expect.closeTo(11.516667, 5) });
    expect(values('GPGGA,1,2').problem?.kind).toBe('serial-bad-nmea');
  });

  it('skip other sentence types and types not asked for', () => {
    expect(values(sentence('GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00'))).toEqual({ values: {}, problem: undefined });
    expect(parseNmeaSentence('$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48', new Set(['GGA'])).values).toEqual([]);
  });
});
