import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compileAggregates } from '../aggregates/compile-aggregates.js';
import type { Reading } from '../reading.js';
import type { WindowResult } from '../rule-result.js';
import { CountWindows } from './count-windows.js';
import { BY_SOURCE_AND_SENSOR } from './group-index.js';
import { SessionWindows } from './session-windows.js';
import { TimeWindows } from './time-windows.js';
import type { WindowOperator } from './window-operator.js';
import type { WindowTiming } from './window-spec.js';

/*
 * Every window operator against an independent reference: the same readings go into an in-memory SQLite table, and
 * GROUP BY (time windows), gaps-and-islands (sessions) or row numbers (count windows) say what each window must hold.
 * Readings come for a few sensors, in a random arrival order; time is advanced at random points, never backwards,
 * and finally far into the future, so every window is emitted.
 */

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const SPAN = 60_000; // readings fall in [T0, T0 + SPAN)
const AGGREGATES = compileAggregates(['count', 'sum', 'min', 'max', 'first', 'last']);
const RUNS = { numRuns: 120 };

const db = new Database(':memory:');
db.exec(`CREATE TABLE r (id INTEGER PRIMARY KEY, sensor TEXT NOT NULL, ts INTEGER NOT NULL, value INTEGER NOT NULL, wm REAL NOT NULL)`);
db.exec(`CREATE TABLE w (start INTEGER PRIMARY KEY)`);
db.exec(`CREATE TABLE s (id INTEGER PRIMARY KEY, session INTEGER NOT NULL)`);
afterAll(() => db.close());

interface Generated {
  readonly sensor: string;
  readonly ts: number;
  readonly value: number;
  /** How long after its timestamp the reading reaches the operator. */
  readonly delay: number;
  /** Whether time is advanced to the reading's arrival just before it is added. */
  readonly advanceFirst: boolean;
}

/** A reading as it arrived: `id` is its place in arrival order, `wm` the operator's watermark when it came. */
interface Arrived extends Generated {
  readonly id: number;
  readonly wm: number;
}

/** A result with the watermarks before and after the advance that emitted it. */
interface Emitted {
  readonly result: WindowResult;
  readonly before: number;
  readonly after: number;
  /** How many readings had arrived by then. */
  readonly arrived: number;
}

/** A window's contents, comparable between the operator and the reference. */
type Row = [sensor: string, start: number, end: number, count: number, sum: number, min: number, max: number, first: number, last: number];

function generatedArb(maxDelay: number) {
  return fc.record({
    sensor: fc.constantFrom('a', 'b', 'c'),
    // A coarse grid now and then, so readings share timestamps and sit on window boundaries.
    ts: fc.oneof(fc.integer({ min: 0, max: SPAN / 500 - 1 }).map((k) => k * 500), fc.integer({ min: 0, max: SPAN - 1 })),
    value: fc.integer({ min: -1_000, max: 1_000 }),
    delay: fc.integer({ min: 0, max: maxDelay }),
    advanceFirst: fc.boolean(),
  });
}

/**
 * Feeds the readings to the operator in order of arrival (timestamp + delay), advancing time to a reading's
 * arrival before it when asked, then to `finalTime`. Returns the readings as they arrived and what was emitted.
 */
function drive(operator: WindowOperator, generated: readonly Generated[], latenessMs: number, finalTime: number, sortedByEnd = true) {
  const order = generated.map((g, index) => ({ g, index, arrival: T0 + g.ts + g.delay }));
  order.sort((x, y) => x.arrival - y.arrival || x.index - y.index);
  const arrived: Arrived[] = [];
  const emitted: Emitted[] = [];
  let watermark = Number.NEGATIVE_INFINITY;
  const advance = (now: number) => {
    const before = watermark;
    watermark = Math.max(watermark, now - latenessMs);
    const out: WindowResult[] = [];
    operator.advance(now, out);
    if (sortedByEnd) for (let i = 1; i < out.length; i++) expect(out[i]!.end).toBeGreaterThanOrEqual(out[i - 1]!.end);
    for (const result of out) emitted.push({ result, before, after: watermark, arrived: arrived.length });
  };
  for (const { g, arrival } of order) {
    if (g.advanceFirst) advance(arrival);
    arrived.push({ ...g, id: arrived.length + 1, wm: watermark });
    const reading: Reading = { source: 'sim', sensor: g.sensor, value: g.value, timestamp: T0 + g.ts, tags: {} };
    operator.add(reading);
  }
  advance(finalTime);
  return { arrived, emitted };
}

function load(readings: readonly Arrived[]): void {
  db.exec('DELETE FROM r');
  const insert = db.prepare('INSERT INTO r (id, sensor, ts, value, wm) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of readings) insert.run(r.id, r.sensor, T0 + r.ts, r.value, r.wm);
  })();
}

function rowOf(result: WindowResult): Row {
  const v = result.values;
  return [result.sensor, result.start, result.end, v.count!, v.sum!, v.min!, v.max!, v.first!, v.last!];
}

function sortRows(rows: Row[]): Row[] {
  return rows.sort((x, y) => x[0].localeCompare(y[0]) || x[1] - y[1] || x[2] - y[2]);
}

/**
 * Aggregates per window of `members` (a query with columns id, sensor, ts, value, start, end): first and last by
 * timestamp, then by arrival.
 */
function aggregateSql(members: string): string {
  return `
    WITH m AS (${members}),
    ranked AS (
      SELECT *,
        ROW_NUMBER() OVER (PARTITION BY sensor, start ORDER BY ts, id) AS up,
        ROW_NUMBER() OVER (PARTITION BY sensor, start ORDER BY ts DESC, id DESC) AS down
      FROM m
    )
    SELECT sensor, start, "end", COUNT(*) AS n, SUM(value) AS s, MIN(value) AS lo, MAX(value) AS hi,
      MAX(CASE WHEN up = 1 THEN value END) AS first, MAX(CASE WHEN down = 1 THEN value END) AS last
    FROM ranked GROUP BY sensor, start, "end"`;
}

function rowsOf(sql: string, parameters: Record<string, number> = {}): Row[] {
  const rows = db.prepare(sql).raw().all(parameters) as Row[];
  return sortRows(rows);
}

/**
 * Every window of a reading with its arrival watermark: tumbling windows by arithmetic in SQL, hopping ones by a join
 * with the window starts in table w (see fillStarts).
 */
function membersSql(hopping: boolean): string {
  return hopping
    ? `SELECT r.*, w.start AS start, w.start + :size AS "end" FROM r JOIN w ON r.ts >= w.start AND r.ts < w.start + :size`
    : `SELECT *, start + :size AS "end" FROM (SELECT *, ts - (((ts - :offset) % :size) + :size) % :size AS start FROM r)`;
}

/** Every window start, `slide` apart from the epoch plus `offset`, of a window that can hold a reading. */
function fillStarts(sizeMs: number, slideMs: number, offsetMs: number): void {
  db.exec('DELETE FROM w');
  const insert = db.prepare('INSERT INTO w (start) VALUES (?)');
  const from = Math.floor((T0 - sizeMs - offsetMs) / slideMs);
  const to = Math.ceil((T0 + SPAN - offsetMs) / slideMs);
  db.transaction(() => {
    for (let k = from; k <= to; k++) insert.run(k * slideMs + offsetMs);
  })();
}

const TIMING: WindowTiming = { time: 'event', allowedLatenessMs: 0, late: 'drop', updateWithinMs: 0, empty: 'skip' };

describe('time windows against SQLite', () => {
  const specArb = fc
    .record({
      hopping: fc.boolean(),
      size: fc.integer({ min: 1, max: 40 }).map((k) => k * 500),
      slideFraction: fc.double({ min: 0.05, max: 1.5, noNaN: true }),
      offset: fc.integer({ min: -30_000, max: 30_000 }),
      lateness: fc.constantFrom(0, 1_000, 5_000, 20_000),
      jitter: fc.integer({ min: 0, max: 1_000 }),
    })
    .map(({ hopping, size, slideFraction, offset, lateness, jitter }) => {
      const sizeMs = size + (hopping ? 0 : jitter); // sizes off the 500 ms grid too
      const slideMs = hopping ? Math.max(100, Math.round(sizeMs * slideFraction)) : sizeMs;
      return { sizeMs, slideMs, offsetMs: offset, lateness };
    });

  function check(late: 'none' | 'some') {
    return fc.property(
      specArb,
      fc.array(generatedArb(late === 'none' ? 20_000 : 45_000), { minLength: 1, maxLength: 60, size: 'max' }),
      ({ sizeMs, slideMs, offsetMs, lateness }, generated) => {
        // Without late readings the delay stays within the allowed lateness.
        const readings = late === 'none' ? generated.map((g) => ({ ...g, delay: Math.min(g.delay, lateness) })) : generated;
        const hopping = slideMs !== sizeMs;
        const operator = new TimeWindows(
          'r',
          { type: hopping ? 'hopping' : 'tumbling', sizeMs, slideMs, offsetMs },
          { ...TIMING, allowedLatenessMs: lateness },
          AGGREGATES,
          BY_SOURCE_AND_SENSOR,
        );
        const { arrived, emitted } = drive(operator, readings, lateness, T0 + 10 * SPAN);
        load(arrived);
        if (hopping) fillStarts(sizeMs, slideMs, offsetMs);
        const parameters = { size: sizeMs, offset: offsetMs };
        const members = membersSql(hopping);

        const expected = rowsOf(aggregateSql(`SELECT * FROM (${members}) WHERE "end" > wm`), parameters);
        expect(sortRows(emitted.map((e) => rowOf(e.result)))).toEqual(expected);

        const lateCount = db.prepare(`SELECT COUNT(DISTINCT id) AS n FROM (${members}) WHERE "end" <= wm`).get(parameters) as { n: number };
        expect(operator.counters.late).toBe(lateCount.n);
        if (late === 'none') expect(operator.counters.late).toBe(0);
        expect(operator.counters.lateUpdates).toBe(0);

        for (const { result, before, after } of emitted) {
          expect(result).not.toHaveProperty('revision');
          expect(result.end - result.start).toBe(sizeMs);
          // Emitted by the first advance whose watermark reached the window's end.
          expect(result.end).toBeGreaterThan(before);
          expect(result.end).toBeLessThanOrEqual(after);
        }
      },
    );
  }

  it('hold exactly the readings of each window when every reading comes within the allowed lateness', () => {
    fc.assert(check('none'), RUNS);
  });

  it('drop and count the readings whose window was past the watermark when they came, and keep all others', () => {
    fc.assert(check('some'), RUNS);
  });

  it('with empty: emit, also emit every window from a group\'s first to the last one due, empty or not', () => {
    fc.assert(
      // A slide of at least 200 ms keeps every group under the cap of empty windows per advance.
      fc.property(specArb, fc.array(generatedArb(45_000), { minLength: 1, maxLength: 40, size: 'max' }), ({ sizeMs, slideMs: wish, offsetMs, lateness }, readings) => {
        const slideMs = wish === sizeMs ? sizeMs : Math.max(200, wish);
        const hopping = slideMs !== sizeMs;
        const operator = new TimeWindows(
          'r',
          { type: hopping ? 'hopping' : 'tumbling', sizeMs, slideMs, offsetMs },
          { ...TIMING, allowedLatenessMs: lateness, empty: 'emit' },
          AGGREGATES,
          BY_SOURCE_AND_SENSOR,
        );
        const finalTime = T0 + 2 * SPAN;
        const { arrived, emitted } = drive(operator, readings, lateness, finalTime);
        load(arrived);
        fillStarts(sizeMs, slideMs, offsetMs);
        const parameters = { size: sizeMs, offset: offsetMs };
        const members = `SELECT * FROM (${membersSql(hopping)}) WHERE "end" > wm`;
        const nonEmpty = emitted.filter((e) => e.result.values.count! > 0).map((e) => rowOf(e.result));
        expect(sortRows(nonEmpty)).toEqual(rowsOf(aggregateSql(members), parameters));

        const lastDue = Math.floor((finalTime - lateness - sizeMs - offsetMs) / slideMs) * slideMs + offsetMs;
        const firsts = db.prepare(`SELECT sensor, MIN(start) AS first FROM (${members}) GROUP BY sensor`).all(parameters) as { sensor: string; first: number }[];
        for (const { sensor, first } of firsts) {
          const starts = emitted.filter((e) => e.result.sensor === sensor).map((e) => e.result.start);
          const expectedStarts: number[] = [];
          for (let start = first; start <= lastDue; start += slideMs) expectedStarts.push(start);
          expect(starts).toEqual(expectedStarts);
        }
        expect(new Set(emitted.map((e) => e.result.sensor))).toEqual(new Set(firsts.map((f) => f.sensor)));
        for (const { result } of emitted.filter((e) => e.result.values.count === 0)) {
          expect(result.values).toEqual({ count: 0, sum: 0 });
        }
        expect(operator.counters.emptySkipped).toBe(0);
        const lateCount = db.prepare(`SELECT COUNT(DISTINCT id) AS n FROM (${membersSql(hopping)}) WHERE "end" <= wm`).get(parameters) as { n: number };
        expect(operator.counters.late).toBe(lateCount.n);
      }),
      { numRuns: 100 },
    );
  });
});

describe('time windows with late: update against SQLite', () => {
  it('emit each window once it is due, then again with the next revision after each advance that brought late readings', () => {
    fc.assert(
      fc.property(
        fc.record({
          size: fc.integer({ min: 1, max: 40 }).map((k) => k * 500),
          slideFraction: fc.constantFrom(1, 1, 0.5, 0.25, 0.7, 1.3),
          offset: fc.integer({ min: -30_000, max: 30_000 }),
          lateness: fc.constantFrom(0, 1_000, 5_000),
          within: fc.constantFrom(0, 2_000, 10_000, 30_000),
        }),
        fc.array(generatedArb(45_000), { minLength: 1, maxLength: 60, size: 'max' }),
        ({ size: sizeMs, slideFraction, offset: offsetMs, lateness, within }, readings) => {
          const slideMs = Math.max(100, Math.round(sizeMs * slideFraction));
          const hopping = slideMs !== sizeMs;
          const operator = new TimeWindows(
            'r',
            { type: hopping ? 'hopping' : 'tumbling', sizeMs, slideMs, offsetMs },
            { ...TIMING, allowedLatenessMs: lateness, late: 'update', updateWithinMs: within },
            AGGREGATES,
            BY_SOURCE_AND_SENSOR,
          );
          const { arrived, emitted } = drive(operator, readings, lateness, T0 + 10 * SPAN);
          load(arrived);
          fillStarts(sizeMs, slideMs, offsetMs);
          // A reading counts in a window not yet due when it came, or in one already emitted (it had a reading in
          // time) whose update_within had not run out.
          const members = membersSql(true);
          const accepted = `
            WITH m AS (${members})
            SELECT x.*, x."end" <= x.wm AS updating FROM m AS x
            WHERE x."end" > x.wm OR (x.wm < x."end" + :within AND EXISTS (
              SELECT 1 FROM m AS y WHERE y.sensor = x.sensor AND y.start = x.start AND y.id < x.id AND y."end" > y.wm))`;
          const upTo = db.prepare(aggregateSql(`SELECT * FROM (${accepted}) WHERE id <= :upto`)).raw();
          const parameters = { size: sizeMs, within };

          const emissions = new Map<string, Emitted[]>();
          for (const e of emitted) {
            const key = `${e.result.sensor} ${e.result.start}`;
            emissions.set(key, [...(emissions.get(key) ?? []), e]);
          }
          for (const [key, list] of emissions) {
            list.forEach((e, revision) => {
              expect(e.result.revision, key).toBe(revision === 0 ? undefined : revision);
              // Each emission holds exactly the readings accepted by then.
              const rows = (upTo.all({ ...parameters, upto: e.arrived }) as Row[]).filter((row) => `${row[0]} ${row[1]}` === key);
              expect(rowOf(e.result), `${key} revision ${revision}`).toEqual(rows[0]);
            });
          }
          // Every window with a reading in time was emitted, and its last emission holds all it accepted.
          const finals = rowsOf(aggregateSql(accepted), parameters);
          const lastEmissions = [...emissions.values()].map((list) => rowOf(list.at(-1)!.result));
          expect(sortRows(lastEmissions)).toEqual(finals);

          const counts = db
            .prepare(
              `WITH m AS (${members}), a AS (${accepted})
               SELECT
                 (SELECT COUNT(DISTINCT id) FROM a WHERE updating) AS updates,
                 (SELECT COUNT(DISTINCT id) FROM m WHERE "end" <= wm AND id NOT IN (SELECT id FROM a WHERE updating)) AS dropped`,
            )
            .get(parameters) as { updates: number; dropped: number };
          expect(operator.counters.lateUpdates).toBe(counts.updates);
          expect(operator.counters.late).toBe(counts.dropped);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('session windows against SQLite', () => {
  interface Point {
    readonly ts: number;
    readonly id: number;
  }

  /** Sessions of points by a sort and a scan: a new one wherever the next reading is `gap` or more later. */
  function sessionsOf(points: readonly Point[], gap: number): Point[][] {
    const sorted = [...points].sort((x, y) => x.ts - y.ts);
    const sessions: Point[][] = [];
    for (const point of sorted) {
      const current = sessions.at(-1);
      if (current && point.ts - current.at(-1)!.ts < gap) current.push(point);
      else sessions.push([point]);
    }
    return sessions;
  }

  /**
   * Which readings a session operator must take. One whose own session (it plus the gap) would already be over is
   * taken only when it falls between the first and last reading of a session still open; any other is late when it
   * falls within the gap of a session already emitted.
   */
  class ReferenceSessions {
    readonly accepted: Arrived[] = [];
    /** Emitted sessions per sensor, with the ids of their readings. */
    readonly closed = new Map<string, { first: number; last: number; ids: number[] }[]>();
    private readonly pending = new Map<string, Point[]>();
    late = 0;

    constructor(private readonly gap: number) {}

    add(r: Arrived): void {
      const gap = this.gap;
      const closed = this.closed.get(r.sensor) ?? [];
      const pending = this.pending.get(r.sensor) ?? [];
      const point = { ts: T0 + r.ts, id: r.id };
      const late =
        point.ts + gap <= r.wm
          ? !sessionsOf(pending, gap).some((s) => s[0]!.ts <= point.ts && point.ts <= s.at(-1)!.ts)
          : closed.some((s) => point.ts > s.first - gap && point.ts < s.last + gap);
      if (late) {
        this.late += 1;
        return;
      }
      pending.push(point);
      this.pending.set(r.sensor, pending);
      this.accepted.push(r);
    }

    advance(watermark: number): void {
      for (const [sensor, pending] of this.pending) {
        const due = sessionsOf(pending, this.gap).filter((s) => s.at(-1)!.ts + this.gap <= watermark);
        if (due.length === 0) continue;
        const closed = this.closed.get(sensor) ?? [];
        for (const s of due) closed.push({ first: s[0]!.ts, last: s.at(-1)!.ts, ids: s.map((p) => p.id) });
        this.closed.set(sensor, closed);
        const gone = new Set(due.flat());
        this.pending.set(sensor, pending.filter((p) => !gone.has(p)));
      }
    }
  }

  /** The reference's sessions, aggregated in SQL. */
  const REFERENCE_SQL = aggregateSql(`
    SELECT r.id, r.sensor, r.ts, r.value,
      MIN(r.ts) OVER (PARTITION BY s.session) AS start, MAX(r.ts) OVER (PARTITION BY s.session) AS "end"
    FROM r JOIN s ON s.id = r.id`);

  /** Gaps and islands: a new session wherever a reading comes `gap` or more after the one before. */
  const SESSIONS_SQL = aggregateSql(`
    WITH marked AS (
      SELECT *, CASE WHEN ts - LAG(ts) OVER (PARTITION BY sensor ORDER BY ts, id) < :gap THEN 0 ELSE 1 END AS opens FROM r
    ),
    numbered AS (
      SELECT *, SUM(opens) OVER (PARTITION BY sensor ORDER BY ts, id ROWS UNBOUNDED PRECEDING) AS session FROM marked
    )
    SELECT id, sensor, ts, value,
      MIN(ts) OVER (PARTITION BY sensor, session) AS start, MAX(ts) OVER (PARTITION BY sensor, session) AS "end"
    FROM numbered`);

  it('hold exactly the readings of each burst, merge bridged sessions, and drop and count late readings', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).map((k) => k * 250),
        fc.constantFrom(0, 0.5, 1, 4),
        fc.array(generatedArb(40_000), { minLength: 1, maxLength: 60, size: 'max' }),
        fc.boolean(),
        fc.boolean(),
        (gap, latenessInGaps, generated, withinLateness, dense) => {
          const lateness = latenessInGaps * gap;
          // Dense: readings over 20 gaps and delays of up to 3 gaps, so sessions often touch and stragglers bridge them.
          const scaled = dense
            ? generated.map((g) => ({ ...g, ts: Math.floor((g.ts * 20 * gap) / SPAN), delay: Math.floor((g.delay * 3 * gap) / 40_000) }))
            : generated;
          const readings = withinLateness ? scaled.map((g) => ({ ...g, delay: Math.min(g.delay, lateness) })) : scaled;
          const operator = new SessionWindows('r', { type: 'session', gapMs: gap }, { ...TIMING, allowedLatenessMs: lateness }, AGGREGATES, BY_SOURCE_AND_SENSOR);
          const { arrived, emitted } = drive(operator, readings, lateness, T0 + 10 * SPAN);

          // Replay the arrivals against the reference, advancing wherever the watermark moved.
          const reference = new ReferenceSessions(gap);
          let watermark = Number.NEGATIVE_INFINITY;
          for (const r of arrived) {
            if (r.wm > watermark) reference.advance((watermark = r.wm));
            reference.add(r);
          }
          reference.advance(T0 + 10 * SPAN - lateness);
          expect(operator.counters.late).toBe(reference.late);
          if (withinLateness) expect(operator.counters.late).toBe(0);

          load(reference.accepted);
          db.exec('DELETE FROM s');
          const insert = db.prepare('INSERT INTO s (id, session) VALUES (?, ?)');
          let session = 0;
          for (const sessions of reference.closed.values()) {
            for (const { ids } of sessions) {
              session += 1;
              for (const id of ids) insert.run(id, session);
            }
          }
          const actual = sortRows(emitted.map((e) => rowOf(e.result)));
          expect(actual).toEqual(rowsOf(REFERENCE_SQL));
          // Emitted sessions never come closer than the gap, so they are exactly the islands of the readings taken.
          expect(actual).toEqual(rowsOf(SESSIONS_SQL, { gap }));
          for (const { result, before, after } of emitted) {
            expect(result).not.toHaveProperty('revision');
            expect(result.end + gap).toBeGreaterThan(before);
            expect(result.end + gap).toBeLessThanOrEqual(after);
          }
        },
      ),
      RUNS,
    );
  });
});

describe('count windows against SQLite', () => {
  it('emit, per sensor and in arrival order, every `slide` readings the last `size` readings', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 11 }),
        fc.boolean(),
        fc.array(generatedArb(30_000), { minLength: 1, maxLength: 80, size: 'max' }),
        (size, slideWish, tumbling, readings) => {
          const slide = tumbling ? size : slideWish;
          const operator = new CountWindows('r', { type: 'count', size, slide }, AGGREGATES, BY_SOURCE_AND_SENSOR);
          // Count windows hand results over in the order they completed, not by end.
          const { arrived, emitted } = drive(operator, readings, 0, T0 + 10 * SPAN, false);
          load(arrived);
          // Window k of a sensor closes with its reading number size + k·slide and holds the `size` up to it.
          const expected = db
            .prepare(
              `WITH RECURSIVE numbered AS (
                 SELECT *, ROW_NUMBER() OVER (PARTITION BY sensor ORDER BY id) AS seq FROM r
               ),
               k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 100),
               closing AS (
                 SELECT numbered.sensor, numbered.id AS closer, numbered.seq AS last_seq
                 FROM numbered JOIN k ON numbered.seq = :size + k.n * :slide
               ),
               members AS (
                 SELECT c.closer, n.* FROM closing c JOIN numbered n ON n.sensor = c.sensor AND n.seq > c.last_seq - :size AND n.seq <= c.last_seq
               ),
               ranked AS (
                 SELECT *, ROW_NUMBER() OVER (PARTITION BY closer ORDER BY ts, id) AS up,
                   ROW_NUMBER() OVER (PARTITION BY closer ORDER BY ts DESC, id DESC) AS down
                 FROM members
               )
               SELECT sensor, MIN(ts), MAX(ts), COUNT(*), SUM(value), MIN(value), MAX(value),
                 MAX(CASE WHEN up = 1 THEN value END), MAX(CASE WHEN down = 1 THEN value END)
               FROM ranked GROUP BY closer ORDER BY closer`,
            )
            .raw()
            .all({ size, slide }) as Row[];
          expect(emitted.map((e) => rowOf(e.result))).toEqual(expected);
          expect(emitted.every((e) => !('revision' in e.result))).toBe(true);
          expect(operator.counters).toEqual({ late: 0, lateUpdates: 0, emptySkipped: 0 });
        },
      ),
      RUNS,
    );
  });
});
