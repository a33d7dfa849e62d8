import { describe, expect, it } from 'vitest';
import type { FormatParser } from './line-result.js';
import { checksum, nmeaParser, type NmeaOptions } from './nmea-sentence.js';
import { nearestOnAnyDay, parseDate, parseTimeOfDay } from './nmea-time.js';

/** Builds a sentence with its correct checksum. */
function sentence(body: string): string {
  return `$${body}*${checksum(body).toString(16).toUpperCase().padStart(2, '0')}`;
}

const rmc = (time: string, status: string, date: string) => sentence(`GPRMC,${time},${status},4807.038,N,01131.000,E,022.4,084.4,${date},003.1,W`);
const gga = (time: string, quality = 1) => sentence(`GPGGA,${time},4807.038,N,01131.000,E,${quality},08,0.9,545.4,M,46.9,M,,`);
const VTG = '$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48';

function parser(options: Partial<NmeaOptions> = {}): FormatParser {
  return nmeaParser({ sentences: ['GGA', 'RMC', 'VTG'], require_checksum: true, gps_time: true, ...options });
}

const at = (iso: string) => Date.parse(iso);

describe('GPS time of NMEA readings', () => {
  it('stamps a valid RMC with its date and time, fractions of a second included', () => {
    const p = parser();
    const result = p.parse(rmc('123519.25', 'A', '230394'), at('2025-06-01T12:00:00Z'));
    expect(result.timestamp).toBe(at('1994-03-23T12:35:19.250Z'));
    expect(result.values).toHaveLength(5);
    expect(p.parse(rmc('000000.125', 'A', '010625'), at('2025-06-01T00:00:01Z')).timestamp).toBe(at('2025-06-01T00:00:00.125Z'));
    expect(p.parse(rmc('235959', 'A', '311299'), at('2025-06-01T00:00:01Z')).timestamp).toBe(at('1999-12-31T23:59:59Z'));
  });

  it("dates a GGA with the latest RMC's date, not the local clock's, and moves it on as time passes", () => {
    const p = parser();
    // The local clock is four days ahead; the receiver's date wins.
    const arrival = at('2025-06-05T12:00:00.300Z');
    expect(p.parse(rmc('120000.00', 'A', '010625'), arrival).timestamp).toBe(at('2025-06-01T12:00:00Z'));
    expect(p.parse(gga('120001.00'), arrival + 1_000).timestamp).toBe(at('2025-06-01T12:00:01Z'));
    // Two days of GGA alone later: the receiver's day moved on with them.
    expect(p.parse(gga('120005.50'), arrival + 2 * 86_400_000 + 5_000).timestamp).toBe(at('2025-06-03T12:00:05.500Z'));
  });

  it('puts a GGA across midnight from the latest RMC on the next or the previous day', () => {
    const p = parser();
    const arrival = at('2025-06-01T00:00:00Z');
    p.parse(rmc('235959.50', 'A', '310525'), arrival);
    expect(p.parse(gga('000000.50'), arrival + 1_000).timestamp).toBe(at('2025-06-01T00:00:00.500Z'));
    p.parse(rmc('000000.00', 'A', '010625'), arrival + 1_500);
    // A GGA of the epoch before, printed after the RMC: still the day before.
    expect(p.parse(gga('235959.90'), arrival + 1_600).timestamp).toBe(at('2025-05-31T23:59:59.900Z'));
  });

  it('puts a GGA before any RMC on the local day that brings it nearest to its arrival, across midnight too', () => {
    expect(parser().parse(gga('101500'), at('2025-06-01T10:15:00.400Z')).timestamp).toBe(at('2025-06-01T10:15:00Z'));
    expect(parser().parse(gga('235958'), at('2025-06-01T00:00:10Z')).timestamp).toBe(at('2025-05-31T23:59:58Z'));
    expect(parser().parse(gga('000001'), at('2025-05-31T23:59:50Z')).timestamp).toBe(at('2025-06-01T00:00:01Z'));
    // An hour off the local clock stays an hour off, for the agent's check to see.
    expect(parser().parse(gga('111500'), at('2025-06-01T10:15:00Z')).timestamp).toBe(at('2025-06-01T11:15:00Z'));
  });

  it("stamps a void fix and VTG on arrival, and does not learn a date from a void RMC's clock", () => {
    const p = parser();
    const arrival = at('2025-06-01T12:00:00Z');
    // Without a fix a receiver prints its real-time clock: after a cold start 1980, or anything.
    expect(p.parse(rmc('000012', 'V', '060180'), arrival).timestamp).toBeUndefined();
    const noFix = p.parse(sentence('GPGGA,000013,,,,,0,00,,,M,,M,,'), arrival);
    expect(noFix).toMatchObject({ values: [{ field: 'fix_quality', value: 0 }, { field: 'satellites', value: 0 }] });
    expect(noFix.timestamp).toBeUndefined();
    expect(p.parse(VTG, arrival).timestamp).toBeUndefined();
    // So a valid GGA is still dated by the local day, not by 1980.
    expect(p.parse(gga('120000'), arrival).timestamp).toBe(arrival);
  });

  it('still rejects a bad checksum, and learns nothing from such a sentence', () => {
    const p = parser();
    const arrival = at('2025-06-01T12:00:00Z');
    const broken = rmc('120000', 'A', '010624').replace(/\*..$/, '*00');
    const result = p.parse(broken, arrival);
    expect(result).toEqual({ values: [], problem: expect.objectContaining({ kind: 'serial-nmea-checksum' }) });
    expect(p.parse(gga('120001'), arrival + 1_000).timestamp).toBe(at('2025-06-01T12:00:01Z'));
  });

  it('reads the date of an RMC not in sentences, without its values', () => {
    const p = parser({ sentences: ['GGA'] });
    const arrival = at('2025-06-05T12:00:00Z');
    expect(p.parse(rmc('120000', 'A', '010625'), arrival)).toEqual({ values: [], timestamp: at('2025-06-01T12:00:00Z') });
    expect(p.parse(gga('120001'), arrival + 1_000).timestamp).toBe(at('2025-06-01T12:00:01Z'));
  });

  it('reports a malformed time or date and stamps the readings on arrival', () => {
    const p = parser();
    const arrival = at('2025-06-01T12:00:00Z');
    for (const line of [gga('126000'), gga('12:00:00'), rmc('120000', 'A', '310225'), rmc('120000', 'A', '0106')]) {
      const result = p.parse(line, arrival);
      expect(result.problem?.kind).toBe('serial-bad-nmea');
      expect(result.values.length).toBeGreaterThan(0);
      expect(result.timestamp).toBeUndefined();
    }
    // An empty time field is no time yet, not a problem.
    const noTime = p.parse(sentence('GPGGA,,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,'), arrival);
    expect([noTime.values.length, noTime.problem, noTime.timestamp]).toEqual([6, undefined, undefined]);
  });

  it('forgets the date when the port is reopened, and reads no GPS time with gps_time: false', () => {
    const p = parser();
    const arrival = at('2025-06-05T12:00:00Z');
    p.parse(rmc('120000', 'A', '010625'), arrival);
    p.reset?.();
    expect(p.parse(gga('120001'), arrival + 1_000).timestamp).toBe(at('2025-06-05T12:00:01Z'));

    const off = parser({ gps_time: false });
    expect(off.parse(rmc('120000', 'A', '010625'), arrival).timestamp).toBeUndefined();
    expect(off.parse(gga('120001'), arrival).timestamp).toBeUndefined();
  });
});

describe('NMEA time fields', () => {
  it('read hhmmss with any decimals, up to a leap second, and ddmmyy with 80–99 as the 1900s', () => {
    expect(parseTimeOfDay('000000')).toBe(0);
    expect(parseTimeOfDay('235960.5')).toBe(86_400_500);
    expect(parseTimeOfDay('123519.123456')).toBe(45_319_123);
    expect(['1235', '240000', '236000', '235961', '12351a', '123519.'].map(parseTimeOfDay)).toEqual(['bad', 'bad', 'bad', 'bad', 'bad', 'bad']);
    expect(parseDate('290224')).toBe(at('2024-02-29T00:00:00Z'));
    expect(parseDate('060180')).toBe(at('1980-01-06T00:00:00Z'));
    expect(['290225', '000125', '011325', '1', '01062025'].map(parseDate)).toEqual(['bad', 'bad', 'bad', 'bad', 'bad']);
  });

  it('put a time of day on the day, the day before or the day after, whichever is nearest', () => {
    const noon = at('2025-06-01T12:00:00Z');
    expect(nearestOnAnyDay(11 * 3_600_000, noon)).toBe(at('2025-06-01T11:00:00Z'));
    expect(nearestOnAnyDay(1_000, at('2025-06-01T23:59:59Z'))).toBe(at('2025-06-02T00:00:01Z'));
    expect(nearestOnAnyDay(86_399_000, at('2025-06-01T00:00:01Z'))).toBe(at('2025-05-31T23:59:59Z'));
  });
});
