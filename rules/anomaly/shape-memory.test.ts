import { describe, expect, it } from 'vitest';
import { ShapeMemory } from './shape-memory.js';

const SHAPE = [0, 1, 4, 9, 4, 1];
const OTHER = [5, 5, -5, -5, 5, 5];

/** Readings that never repeat a stretch: nothing in them gets established. */
function ramp(from: number, length: number): number[] {
  return Array.from({ length }, (_, index) => from + 10 * index);
}

/** Pushes `values` in order; returns what the last push answered. */
function feed(memory: ShapeMemory, values: readonly number[], radius: number): number {
  let distance = Number.NaN;
  for (const value of values) distance = memory.push(value, radius);
  return distance;
}

describe('long-term shape memory', () => {
  it('knows no established shape until a stretch was seen on two occasions `separation` readings apart', () => {
    const memory = new ShapeMemory(SHAPE.length, 64, 20);
    expect(memory.push(1, 0.5)).toBe(Number.POSITIVE_INFINITY);
    expect(feed(memory, SHAPE, 0.5)).toBe(Number.POSITIVE_INFINITY);
    // Seen again at once: the same occasion, still a one-off.
    expect(feed(memory, SHAPE, 0.5)).toBe(Number.POSITIVE_INFINITY);
    // Far enough on (other readings between), a second occasion: from now on it is established.
    feed(memory, ramp(1000, 30), 0.5);
    expect(feed(memory, SHAPE, 0.5)).toBe(Number.POSITIVE_INFINITY);
    feed(memory, ramp(2000, 30), 0.5);
    expect(feed(memory, SHAPE, 0.5)).toBe(0);
    expect(feed(memory, SHAPE.map((value) => value + 0.1), 0.5)).toBeCloseTo(0.1 * Math.sqrt(SHAPE.length), 6);
    // A stretch unlike it is far from every established shape.
    expect(feed(memory, OTHER, 0.5)).toBeGreaterThan(5);
  });

  it('learns nothing while the radius is unknown (NaN)', () => {
    const memory = new ShapeMemory(SHAPE.length, 8, 1);
    for (let round = 0; round < 5; round++) feed(memory, SHAPE, Number.NaN);
    expect(memory.kept).toBe(0);
    expect(feed(memory, SHAPE, Number.NaN)).toBe(Number.POSITIVE_INFINITY);
  });

  it('when full, replaces one-off shapes and keeps the established ones', () => {
    const memory = new ShapeMemory(SHAPE.length, 16, 10);
    // A cycle repeated: its stretches recur more than `separation` readings apart and become established.
    for (let round = 0; round < 3; round++) feed(memory, SHAPE, 0.5);
    expect(feed(memory, SHAPE, 0.5)).toBe(0);
    // Many one-off stretches (a ramp never repeats) fill the memory over and over.
    feed(memory, ramp(1000, 200), 0.5);
    expect(memory.kept).toBe(16);
    expect(feed(memory, SHAPE, 0.5)).toBe(0);
  });

  it('answers the same for the same readings (deterministic, no clock)', () => {
    const values = Array.from({ length: 500 }, (_, index) => Math.round(10 * Math.sin(index / 7)) + (index % 13));
    const run = () => {
      const memory = new ShapeMemory(12, 32, 50);
      return values.map((value) => memory.push(value, 3));
    };
    expect(run()).toEqual(run());
  });

  it('rejects sizes that make no memory', () => {
    expect(() => new ShapeMemory(1, 8, 10)).toThrow(/length >= 2/);
    expect(() => new ShapeMemory(4, 0, 10)).toThrow(/capacity >= 1/);
  });
});
