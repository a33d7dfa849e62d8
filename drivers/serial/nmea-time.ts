/** The time a sentence gives for its fix: always the UTC time of day, the date only in RMC. */
export interface NmeaFixTime {
  /** Milliseconds since UTC midnight. */
  readonly timeOfDayMs: number;
  /** UTC midnight of the fix's day, ms since the epoch; undefined for sentences without a date (GGA). */
  readonly dateMs?: number | undefined;
}

const DAY_MS = 86_400_000;

/** `hhmmss` with any number of decimals (`123519`, `123519.00`, `235959.123`) as ms since midnight; `'bad'` if malformed. */
export function parseTimeOfDay(text: string): number | 'bad' {
  const match = /^(\d{2})(\d{2})(\d{2}(?:\.\d+)?)$/.exec(text);
  if (match === null) return 'bad';
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  const seconds = Number(match[3]);
  // 60 seconds: a leap second, 23:59:60 UTC.
  if (hours > 23 || minutes > 59 || seconds >= 61) return 'bad';
  return Math.round(((hours * 60 + minutes) * 60 + seconds) * 1000);
}

/** `ddmmyy` as UTC midnight of that day; `'bad'` if malformed or no such day (310225). */
export function parseDate(text: string): number | 'bad' {
  const match = /^(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (match === null) return 'bad';
  const day = Number(match[1]);
  const month = Number(match[2]);
  const yy = Number(match[3]);
  // Two-digit years as NMEA has used them since GPS began (1980): 80–99 are the 1900s. An old receiver hit by the
  // week-number rollover thus reports 1999 or so, far behind, not 2099.
  const year = yy >= 80 ? 1900 + yy : 2000 + yy;
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (month < 1 || month > 12 || day < 1 || date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return 'bad';
  return ms;
}

/**
 * Turns the fix times of one port's sentences into full timestamps. RMC carries the date and gives its time as is;
 * GGA carries only the time of day, which is put on the day that brings it nearest to the receiver's own time: that
 * of the latest valid RMC, moved on by the time passed since it arrived (so a GGA at 00:00:00 after an RMC at
 * 23:59:59 falls on the next day, and one just before midnight after an RMC just after it on the day before). Before
 * any RMC, the arrival time stands in for the receiver's time, which leaves only the time of day to check.
 */
export class GpsTimeline {
  private latest: { readonly gpsTime: number; readonly arrival: number } | undefined;

  /** The timestamp of a fix that arrived at `arrival` (local clock). */
  timestampOf(fix: NmeaFixTime, arrival: number): number {
    if (fix.dateMs !== undefined) {
      const gpsTime = fix.dateMs + fix.timeOfDayMs;
      this.latest = { gpsTime, arrival };
      return gpsTime;
    }
    const anchor = this.latest === undefined ? arrival : this.latest.gpsTime + (arrival - this.latest.arrival);
    return nearestOnAnyDay(fix.timeOfDayMs, anchor);
  }

  /** A reopened port may be another receiver: its date is learnt anew. */
  reset(): void {
    this.latest = undefined;
  }
}

/** The instant with time of day `timeOfDayMs` (UTC) nearest to `anchor`: on its day, the day before or the day after. */
export function nearestOnAnyDay(timeOfDayMs: number, anchor: number): number {
  const sameDay = Math.floor(anchor / DAY_MS) * DAY_MS + timeOfDayMs;
  let best = sameDay;
  for (const candidate of [sameDay - DAY_MS, sameDay + DAY_MS]) {
    if (Math.abs(candidate - anchor) < Math.abs(best - anchor)) best = candidate;
  }
  return best;
}
