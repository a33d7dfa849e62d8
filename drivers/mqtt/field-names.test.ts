import { describe, expect, it } from 'vitest';
import { FieldNames } from './field-names.js';

describe('FieldNames', () => {
  it('hands out the same string for the same sensor and field, and the joined name', () => {
    const names = new FieldNames();
    const first = names.join('kitchen', 'temperature');
    expect(first).toBe('kitchen/temperature');
    expect(names.join('kitchen', 'temperature')).toBe(first);
    expect(names.join('kitchen', 'humidity')).toBe('kitchen/humidity');
    expect(names.join('hall', 'temperature')).toBe('hall/temperature');
  });

  it('starts over once it holds 10,000 names, so ever new fields cannot grow it without end, and still joins right', () => {
    const names = new FieldNames();
    for (let i = 0; i < 10_000; i++) names.join(`sensor-${i % 100}`, `field-${i}`);
    expect(names.join('sensor-1', 'field-10001')).toBe('sensor-1/field-10001');
    expect(names.join('sensor-1', 'field-1')).toBe('sensor-1/field-1');
    expect((names as unknown as { count: number }).count).toBe(2);
  });
});
