import type { FieldValue, FormatParser, LineResult } from './line-result.js';
import { GpsTimeline, parseDate, parseTimeOfDay, type NmeaFixTime } from './nmea-time.js';

export type NmeaSentenceType = 'GGA' | 'RMC' | 'VTG';

export interface NmeaOptions {
  readonly sentences: readonly NmeaSentenceType[];
  readonly require_checksum: boolean;
  /** Stamp the readings of a valid fix with its GPS time rather than the arrival time. */
  readonly gps_time: boolean;
}

/** One sentence read: its values, and the time of its fix when the fix is valid and says when it was. */
export interface NmeaSentence extends LineResult {
  readonly fixTime?: NmeaFixTime | undefined;
}

const KMH_PER_KNOT = 1.852;

/**
 * `nmea` format: NMEA 0183 sentences from a GPS receiver, any talker (`$GP`, `$GN`, `$GL` …). The checksum is the
 * XOR of the characters between `$` and `*`. Read:
 * - GGA: fix_quality, satellites, hdop, and when there is a fix latitude, longitude (decimal degrees, south and
 *   west negative), altitude (m above mean sea level);
 * - RMC (only when its status is A, valid): latitude, longitude, speed_knots, speed_kmh, course;
 * - VTG: course, speed_knots, speed_kmh.
 * Other sentence types are skipped silently. Empty fields (no fix yet) give no value.
 *
 * With `gps_time`, the readings of a valid fix (RMC status A, GGA quality above 0) carry the fix's UTC time: RMC's
 * date and time, GGA's time of day on the day `GpsTimeline` finds. A receiver without a fix often prints the time of
 * its own real-time clock, which may be anything after a cold start, so a void fix and VTG (no time) are stamped on
 * arrival. The agent checks the GPS time against its clock like any time a reading carries.
 */
export function nmeaParser(options: NmeaOptions): FormatParser {
  const wanted = new Set<string>(options.sentences);
  const timeline = new GpsTimeline();
  return {
    parse(line, arrival) {
      const { fixTime, ...result } = parseNmeaSentence(line, wanted, options.require_checksum);
      if (!options.gps_time || fixTime === undefined) return result;
      return { ...result, timestamp: timeline.timestampOf(fixTime, arrival) };
    },
    reset() {
      timeline.reset();
    },
  };
}

/**
 * Reads one sentence. An RMC that is not among `wanted` still gives the time of its fix (but no values and no
 * complaints): its date is what dates the GGA sentences that follow.
 */
export function parseNmeaSentence(line: string, wanted: ReadonlySet<string>, requireChecksum = true): NmeaSentence {
  if (!line.startsWith('$')) return bad('serial-bad-nmea', 'an NMEA sentence starts with "$"');
  const star = line.lastIndexOf('*');
  let body: string;
  if (star === -1) {
    if (requireChecksum) return bad('serial-nmea-checksum', 'sentence has no *hh checksum');
    body = line.slice(1);
  } else {
    body = line.slice(1, star);
    const written = line.slice(star + 1);
    if (!/^[0-9A-Fa-f]{2}$/.test(written)) return bad('serial-nmea-checksum', `checksum "${written.slice(0, 8)}" is not two hex digits`);
    const computed = checksum(body);
    if (computed !== Number.parseInt(written, 16)) {
      return bad('serial-nmea-checksum', `checksum mismatch: sentence says ${written.toUpperCase()}, content gives ${hex(computed)}`);
    }
  }
  const fields = body.split(',');
  const address = fields[0]!;
  if (!/^[A-Z]{5}$/.test(address)) return bad('serial-bad-nmea', `"${address.slice(0, 10)}" is not a talker and sentence type`);
  const type = address.slice(2);
  const reader = new FieldReader(fields);
  if (!wanted.has(type)) return type === 'RMC' ? { values: [], fixTime: readRmcFixTime(reader) } : { values: [] };
  switch (type) {
    case 'GGA':
      return reader.finish(readGga(reader), readGgaFixTime(reader));
    case 'RMC':
      return reader.finish(readRmc(reader), readRmcFixTime(reader));
    case 'VTG':
      return reader.finish(readVtg(reader), undefined);
    default:
      return { values: [] };
  }
}

/** XOR of the characters between `$` and `*`. */
export function checksum(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i) & 0xff;
  return sum;
}

// $GPGGA,time,lat,N,lon,E,quality,satellites,hdop,altitude,M,geoid,M,age,station
function readGga(reader: FieldReader): FieldValue[] {
  const values: FieldValue[] = [];
  const quality = reader.number(6, 'fix quality');
  if (quality !== undefined) values.push({ field: 'fix_quality', value: quality });
  reader.push(values, 'satellites', reader.number(7, 'satellites'));
  reader.push(values, 'hdop', reader.number(8, 'hdop'));
  if (quality !== undefined && quality > 0) {
    reader.push(values, 'latitude', reader.coordinate(2, 3, 'latitude'));
    reader.push(values, 'longitude', reader.coordinate(4, 5, 'longitude'));
    reader.push(values, 'altitude', reader.number(9, 'altitude'));
  }
  return values;
}

function readGgaFixTime(reader: FieldReader): NmeaFixTime | undefined {
  const quality = reader.number(6, 'fix quality');
  return quality !== undefined && quality > 0 ? reader.fixTime(1, undefined) : undefined;
}

// $GPRMC,time,status,lat,N,lon,E,speed knots,course,date,variation,E[,mode]
function readRmc(reader: FieldReader): FieldValue[] {
  const values: FieldValue[] = [];
  if (reader.text(2) !== 'A') return values;
  reader.push(values, 'latitude', reader.coordinate(3, 4, 'latitude'));
  reader.push(values, 'longitude', reader.coordinate(5, 6, 'longitude'));
  reader.speed(values, reader.number(7, 'speed'), undefined);
  reader.push(values, 'course', reader.number(8, 'course'));
  return values;
}

function readRmcFixTime(reader: FieldReader): NmeaFixTime | undefined {
  return reader.text(2) === 'A' ? reader.fixTime(1, 9) : undefined;
}

// $GPVTG,course true,T,course magnetic,M,speed knots,N,speed km/h,K[,mode]
function readVtg(reader: FieldReader): FieldValue[] {
  const values: FieldValue[] = [];
  reader.push(values, 'course', reader.number(1, 'course'));
  reader.speed(values, reader.number(5, 'speed in knots'), reader.number(7, 'speed in km/h'));
  return values;
}

/** Reads fields by index; an empty field is "no value", a malformed one is remembered as the sentence's problem. */
class FieldReader {
  private problem: string | undefined;

  constructor(private readonly fields: readonly string[]) {}

  text(index: number): string {
    return this.fields[index] ?? '';
  }

  number(index: number, what: string): number | undefined {
    const text = this.text(index);
    if (text === '') return undefined;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) {
      this.problem ??= `${what} "${text.slice(0, 12)}" is not a number`;
      return undefined;
    }
    return Number(text);
  }

  /** `ddmm.mmmm` / `dddmm.mmmm` and a hemisphere letter, as signed decimal degrees. */
  coordinate(index: number, hemisphereIndex: number, what: string): number | undefined {
    const text = this.text(index);
    const hemisphere = this.text(hemisphereIndex);
    if (text === '' && hemisphere === '') return undefined;
    const match = /^(\d{2,3})(\d{2}(?:\.\d+)?)$/.exec(text);
    const negative = hemisphere === 'S' || hemisphere === 'W';
    if (match === null || !(negative || hemisphere === 'N' || hemisphere === 'E')) {
      this.problem ??= `${what} "${text.slice(0, 14)},${hemisphere.slice(0, 2)}" is not ddmm.mmmm with N/S/E/W`;
      return undefined;
    }
    const minutes = Number(match[2]);
    if (minutes >= 60) {
      this.problem ??= `${what} "${text.slice(0, 14)}" has ${minutes} minutes`;
      return undefined;
    }
    const degrees = Number(match[1]) + minutes / 60;
    return negative ? -degrees : degrees;
  }

  /** `hhmmss.sss` and, where the sentence has one, `ddmmyy`; undefined when empty or malformed (then remembered). */
  fixTime(timeIndex: number, dateIndex: number | undefined): NmeaFixTime | undefined {
    const timeText = this.text(timeIndex);
    if (timeText === '') return undefined;
    const timeOfDayMs = parseTimeOfDay(timeText);
    if (timeOfDayMs === 'bad') {
      this.problem ??= `time "${timeText.slice(0, 12)}" is not hhmmss.sss; arrival time used`;
      return undefined;
    }
    const dateText = dateIndex === undefined ? '' : this.text(dateIndex);
    if (dateText === '') return { timeOfDayMs };
    const dateMs = parseDate(dateText);
    if (dateMs === 'bad') {
      this.problem ??= `date "${dateText.slice(0, 8)}" is not ddmmyy; arrival time used`;
      return undefined;
    }
    return { timeOfDayMs, dateMs };
  }

  push(values: FieldValue[], field: string, value: number | undefined): void {
    if (value !== undefined && Number.isFinite(value)) values.push({ field, value });
  }

  speed(values: FieldValue[], knots: number | undefined, kmh: number | undefined): void {
    this.push(values, 'speed_knots', knots ?? (kmh === undefined ? undefined : kmh / KMH_PER_KNOT));
    this.push(values, 'speed_kmh', kmh ?? (knots === undefined ? undefined : knots * KMH_PER_KNOT));
  }

  finish(values: FieldValue[], fixTime: NmeaFixTime | undefined): NmeaSentence {
    const problem = this.problem === undefined ? undefined : { kind: 'serial-bad-nmea', message: this.problem };
    return { values, ...(problem && { problem }), ...(fixTime && { fixTime }) };
  }
}

function bad(kind: string, message: string): LineResult {
  return { values: [], problem: { kind, message } };
}

function hex(value: number): string {
  return value.toString(16).toUpperCase().padStart(2, '0');
}
