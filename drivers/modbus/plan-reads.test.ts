import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, planReads, type Span } from './plan-reads.js';

const holding = (address: number, length = 1, unitId = 1): Span => ({ unitId, table: 'holding', address, length });

describe('planReads', () => {
  it('joins adjacent entries of one table and unit into one request', () => {
    expect(planReads([holding(0), holding(1, 2), holding(3, 4)])).toEqual([
      { unitId: 1, table: 'holding', address: 0, length: 7, members: [0, 1, 2] },
    ]);
  });

  it('sorts entries by address first, so the order in the config does not matter', () => {
    expect(planReads([holding(10, 2), holding(8, 2), holding(12)])).toEqual([
      { unitId: 1, table: 'holding', address: 8, length: 5, members: [1, 0, 2] },
    ]);
  });

  it('keeps entries with a gap between them apart unless maxGap allows reading across it', () => {
    expect(planReads([holding(0), holding(2)])).toHaveLength(2);
    expect(planReads([holding(0), holding(2)], { ...DEFAULT_LIMITS, maxGap: 1 })).toEqual([
      { unitId: 1, table: 'holding', address: 0, length: 3, members: [0, 1] },
    ]);
  });

  it('joins overlapping entries (the same registers read as two types)', () => {
    expect(planReads([holding(0, 2), holding(1)])).toEqual([{ unitId: 1, table: 'holding', address: 0, length: 2, members: [0, 1] }]);
  });

  it('never mixes tables or units, and orders requests by unit, table and address', () => {
    const spans: Span[] = [
      holding(0, 1, 2),
      { unitId: 1, table: 'input', address: 1, length: 1 },
      holding(1),
      { unitId: 1, table: 'coil', address: 0, length: 1 },
      holding(0),
    ];
    expect(planReads(spans).map(({ unitId, table, address, length }) => [unitId, table, address, length])).toEqual([
      [1, 'coil', 0, 1],
      [1, 'holding', 0, 2],
      [1, 'input', 1, 1],
      [2, 'holding', 0, 1],
    ]);
  });

  it('splits a run of registers at 125 and a run of coils at 2000', () => {
    const registers = Array.from({ length: 130 }, (_, i) => holding(i));
    expect(planReads(registers).map(({ address, length }) => [address, length])).toEqual([
      [0, 125],
      [125, 5],
    ]);
    const coils = Array.from({ length: 21 }, (_, i): Span => ({ unitId: 1, table: 'coil', address: i * 100, length: 100 }));
    expect(planReads(coils).map(({ address, length }) => [address, length])).toEqual([
      [0, 2000],
      [2000, 100],
    ]);
  });

  it('never splits one entry across requests: a 2-register value that does not fit starts the next request', () => {
    const spans = [...Array.from({ length: 124 }, (_, i) => holding(i)), holding(124, 2)];
    expect(planReads(spans).map(({ address, length }) => [address, length])).toEqual([
      [0, 124],
      [124, 2],
    ]);
  });

  it('honours a lower register limit for devices that refuse long reads', () => {
    const spans = Array.from({ length: 10 }, (_, i) => holding(i));
    expect(planReads(spans, { ...DEFAULT_LIMITS, maxRegisters: 4 }).map(({ length }) => length)).toEqual([4, 4, 2]);
  });

  it('returns no requests for no entries', () => {
    expect(planReads([])).toEqual([]);
  });
});
