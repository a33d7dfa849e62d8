import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAggregates } from '../../rules/aggregates/compile-aggregates.js';
import type { WindowResult } from '../../rules/rule-result.js';
import { mergeWindows } from './window-compaction.js';

// Readings cut into consecutive windows, each window aggregated by the real engine, the windows merged: the merge
// must say what the engine says about all the readings in one window, for every aggregate it claims to keep.

const WINDOW_MS = 10_000;
const EXACT = ['count', 'sum', 'min', 'max', 'mean', 'first', 'last', 'delta', 'spread'];
const SPREAD = ['variance', 'stddev', 'variance_population', 'stddev_population'];
const NOT_MERGEABLE = ['median', 'p95', 'twa'];
const HISTOGRAM = { histogram: { buckets: [-10, 0, 10] } };

/** Per window: readings as (offset in the window, value); an empty array is a window without readings. */
const windowsArbitrary = fc.array(
  fc.array(
    fc.record({
      offset: fc.integer({ min: 0, max: WINDOW_MS - 1 }),
      value: fc.oneof(fc.integer({ min: -1_000, max: 1_000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })),
    }),
    { maxLength: 12 },
  ),
  { minLength: 1, maxLength: 12 },
);

function aggregate(items: Parameters<typeof compileAggregates>[0], readings: { time: number; value: number }[], start: number, end: number) {
  const accumulator = compileAggregates(items).create();
  for (const { time, value } of [...readings].sort((a, b) => a.time - b.time)) accumulator.add(value, time);
  const out: Record<string, number> = {};
  accumulator.emit(out, start, end);
  return out;
}

function windowsOf(items: Parameters<typeof compileAggregates>[0], perWindow: { offset: number; value: number }[][]) {
  const all: { time: number; value: number }[] = [];
  const windows: WindowResult[] = perWindow.map((readings, index) => {
    const start = index * WINDOW_MS;
    const timed = readings.map(({ offset, value }) => ({ time: start + offset, value }));
    all.push(...timed);
    const values = aggregate(items, timed, start, start + WINDOW_MS);
    return { kind: 'window', rule: 'r', source: 's', sensor: 't', tags: { site: 'a' }, start, end: start + WINDOW_MS, values };
  });
  return { windows, all, whole: aggregate(items, all, 0, perWindow.length * WINDOW_MS) };
}

function close(actual: number | undefined, expected: number | undefined, scale: number): void {
  expect(actual).toBeTypeOf('number');
  expect(Math.abs(actual! - expected!)).toBeLessThanOrEqual(1e-9 * Math.max(1, scale));
}

describe('mergeWindows', () => {
  it('keeps count, sum, min, max, mean, first, last, delta and spread exactly what one window over all readings says', () => {
    fc.assert(
      fc.property(windowsArbitrary, (perWindow) => {
        const { windows, all, whole } = windowsOf(EXACT, perWindow);
        const merged = mergeWindows(windows);
        const scale = all.reduce((m, r) => Math.max(m, Math.abs(r.value)), 0) * Math.max(1, all.length);
        expect(merged.values['count']).toBe(whole['count']);
        expect(merged.values['min']).toBe(whole['min']);
        expect(merged.values['max']).toBe(whole['max']);
        expect(merged.values['first']).toBe(whole['first']);
        expect(merged.values['last']).toBe(whole['last']);
        expect(merged.values['spread']).toBe(whole['spread']);
        for (const key of ['sum', 'mean', 'delta']) {
          if (whole[key] === undefined) expect(merged.values[key]).toBeUndefined();
          else close(merged.values[key], whole[key], scale);
        }
        expect(merged).toMatchObject({ start: 0, end: perWindow.length * WINDOW_MS, compacted: perWindow.length });
      }),
      { numRuns: 300 },
    );
  });

  it('pools variance and standard deviation from count, mean and each window’s own spread', () => {
    fc.assert(
      fc.property(windowsArbitrary, (perWindow) => {
        const { windows, all, whole } = windowsOf(['count', 'mean', ...SPREAD], perWindow);
        const merged = mergeWindows(windows);
        const range = all.reduce((m, r) => Math.max(m, Math.abs(r.value)), 0);
        for (const key of SPREAD) {
          // A window shows a spread aggregate only when it has one (sample variance needs two readings): if no window
          // shows it, the merge cannot know the rule asked for it, and leaves it out.
          const shown = windows.some((w) => Object.hasOwn(w.values, key));
          if (whole[key] === undefined || !shown) expect(merged.values[key], key).toBeUndefined();
          // Variances scale with the square of the values; rounding in both computations is relative to that.
          else close(merged.values[key], whole[key], key.startsWith('variance') ? range * range : range);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('adds histogram buckets', () => {
    fc.assert(
      fc.property(windowsArbitrary, (perWindow) => {
        const { windows, whole } = windowsOf([HISTOGRAM], perWindow);
        expect(mergeWindows(windows).values).toEqual(whole);
      }),
    );
  });

  it('drops what cannot be rebuilt from per-window values rather than approximate it', () => {
    const { windows } = windowsOf(['count', 'mean', ...NOT_MERGEABLE], [[{ offset: 1, value: 1 }], [{ offset: 2, value: 5 }]]);
    expect(windows[0]!.values).toHaveProperty('p95');
    const merged = mergeWindows(windows);
    expect(Object.keys(merged.values)).toEqual(['count', 'mean']);
    expect(merged.values).toEqual({ count: 2, mean: 3 });
  });

  it('drops mean and delta when the rule lacks the count or the ends they need', () => {
    const { windows } = windowsOf(['mean', 'delta'], [[{ offset: 1, value: 1 }], [{ offset: 2, value: 5 }, { offset: 3, value: 7 }]]);
    expect(mergeWindows(windows).values).toEqual({});
  });

  it('counts the original windows through repeated merges', () => {
    const { windows } = windowsOf(['count'], [[], [{ offset: 1, value: 1 }], [], [{ offset: 2, value: 2 }]]);
    const twice = mergeWindows([mergeWindows(windows.slice(0, 2)), mergeWindows(windows.slice(2))]);
    expect(twice).toMatchObject({ compacted: 4, values: { count: 2 }, start: 0, end: 4 * WINDOW_MS });
  });
});
