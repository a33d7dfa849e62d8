import { describe, expect, it } from 'vitest';
import type { Reading } from '../reading.js';
import { compileTransforms } from './compile-transforms.js';

const reading: Reading = { source: 'greenhouse', sensor: 'bed1/temperature', value: 21, timestamp: 5, tags: { room: 'north' } };
const renamed = (template: string, input: Reading = reading) => compileTransforms([{ rename: template }]).apply(input);

describe('rename', () => {
  it('builds the new sensor name from {sensor}, {source} and {tags.<name>}', () => {
    expect(renamed('{sensor}_calibrated')).toEqual({ ...reading, sensor: 'bed1/temperature_calibrated' });
    expect(renamed('{source}/{tags.room}/{sensor}')?.sensor).toBe('greenhouse/north/bed1/temperature');
    expect(renamed('outdoor')?.sensor).toBe('outdoor');
    expect(renamed('{ sensor }!')?.sensor).toBe('bed1/temperature!');
  });

  it('puts empty text where a tag is missing', () => {
    expect(renamed('{tags.floor}/{sensor}')?.sensor).toBe('/bed1/temperature');
  });

  it('passes the same reading when the name does not change', () => {
    expect(renamed('{sensor}')).toBe(reading);
  });

  it('names each sensor after its own reading when several pass', () => {
    const chain = compileTransforms([{ rename: '{source}.{sensor}' }]);
    expect(chain.apply(reading)?.sensor).toBe('greenhouse.bed1/temperature');
    expect(chain.apply({ ...reading, sensor: 'bed2/humidity' })?.sensor).toBe('greenhouse.bed2/humidity');
    expect(chain.apply({ ...reading, source: 'shed' })?.sensor).toBe('shed.bed1/temperature');
    expect(chain.apply({ ...reading, tags: { room: 'south' } })?.sensor).toBe('greenhouse.bed1/temperature');
  });

  it('gives later steps the new name as the sensor whose state they keep', () => {
    const chain = compileTransforms([{ rename: 'merged' }, { on_change: true }]);
    expect(chain.apply({ ...reading, sensor: 'a', value: 1 })?.value).toBe(1);
    expect(chain.apply({ ...reading, sensor: 'b', value: 1 })).toBeUndefined();
  });

  it('rejects unknown placeholders, stray braces and an empty name', () => {
    expect(() => renamed('{sensr}_x')).toThrow('rename: unknown placeholder "{sensr}" (did you mean "sensor"?); use {sensor}, {source}, {tags.<name>}');
    expect(() => renamed('{tags.}')).toThrow('rename: unknown placeholder "{tags.}"');
    expect(() => renamed('{sensor')).toThrow('rename: unmatched "{" at character 0');
    expect(() => renamed('a}')).toThrow('rename: unmatched "}" at character 1');
    expect(() => renamed('')).toThrow('rename: the new sensor name must not be empty');
  });
});

describe('set_tags', () => {
  it('adds tags and overwrites existing ones, as text', () => {
    const out = compileTransforms([{ set_tags: { room: 'south', floor: 2, outdoor: false } }]).apply(reading);
    expect(out).toEqual({ ...reading, tags: { room: 'south', floor: '2', outdoor: 'false' } });
    expect(Object.isFrozen(out?.tags)).toBe(true);
    expect(reading.tags).toEqual({ room: 'north' });
  });

  it('reuses one tags object for every reading that arrives with the same tags', () => {
    const chain = compileTransforms([{ set_tags: { floor: '2' } }]);
    const first = chain.apply(reading);
    const second = chain.apply({ ...reading, value: 22 });
    expect(second?.tags).toBe(first?.tags);
    const other = chain.apply({ ...reading, tags: { room: 'east' } });
    expect(other?.tags).toEqual({ room: 'east', floor: '2' });
  });

  it('passes the same reading when it already has those tags', () => {
    expect(compileTransforms([{ set_tags: { room: 'north' } }]).apply(reading)).toBe(reading);
  });

  it('needs at least one tag with a plain value', () => {
    expect(() => compileTransforms([{ set_tags: {} }])).toThrow('set_tags: give at least one tag, e.g. { room: north }');
    expect(() => compileTransforms([{ set_tags: { room: ['a'] } }])).toThrow('set_tags.room: expected a tag value (text, a number or true/false), got a list');
    expect(() => compileTransforms([{ set_tags: 'north' }])).toThrow('set_tags: expected a mapping of tag names to values, e.g. { room: north }, got "north"');
  });
});
