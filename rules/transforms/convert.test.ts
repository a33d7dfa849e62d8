import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_TAGS, type Reading } from '../reading.js';
import { compileTransforms } from './compile-transforms.js';
import { convertValue, unitConversion, UNITS, type UnitConversion } from './units.js';

const at = (value: number): Reading => ({ source: 'sim', sensor: 'x', value, timestamp: 0, tags: NO_TAGS });
const convert = (value: number, from: string, to: string) => compileTransforms([{ convert: { from, to } }]).apply(at(value))?.value;

function conversion(from: string, to: string): UnitConversion {
  const result = unitConversion(from, to);
  if (typeof result === 'string') throw new Error(result);
  return result;
}

describe('convert', () => {
  it('converts temperatures exactly at the usual reference points', () => {
    expect(convert(100, 'C', 'F')).toBe(212);
    expect(convert(212, 'F', 'C')).toBe(100);
    expect(convert(-40, 'C', 'F')).toBe(-40);
    expect(convert(0, 'C', 'K')).toBe(273.15);
    expect(convert(32, 'F', 'K')).toBeCloseTo(273.15, 12);
    expect(convert(0, 'K', 'C')).toBe(-273.15);
  });

  it('converts pressure', () => {
    expect(convert(1013.25, 'hPa', 'Pa')).toBe(101_325);
    expect(convert(1013.25, 'hPa', 'mbar')).toBe(1013.25);
    expect(convert(1, 'bar', 'kPa')).toBe(100);
    expect(convert(1013.25, 'hPa', 'inHg')).toBeCloseTo(29.921, 3);
    expect(convert(1013.25, 'hPa', 'mmHg')).toBeCloseTo(760, 2);
    expect(convert(1, 'psi', 'hPa')).toBeCloseTo(68.9476, 4);
  });

  it('converts length, speed, energy, power, volume and flow', () => {
    expect(convert(1, 'mi', 'km')).toBe(1.609344);
    expect(convert(12, 'in', 'ft')).toBe(1);
    expect(convert(1, 'ft', 'cm')).toBe(30.48);
    expect(convert(2500, 'mm', 'm')).toBe(2.5);
    expect(convert(10, 'm/s', 'km/h')).toBe(36);
    expect(convert(36, 'km/h', 'm/s')).toBe(10);
    expect(convert(1, 'kn', 'km/h')).toBe(1.852);
    expect(convert(60, 'mph', 'km/h')).toBeCloseTo(96.56064, 10);
    expect(convert(1, 'kWh', 'MJ')).toBe(3.6);
    expect(convert(1, 'Wh', 'J')).toBe(3600);
    expect(convert(1500, 'W', 'kW')).toBe(1.5);
    expect(convert(1, 'gal', 'l')).toBe(3.785411784);
    expect(convert(1, 'm3', 'l')).toBe(1000);
    expect(convert(250, 'ml', 'l')).toBe(0.25);
    expect(convert(6, 'm3/h', 'l/min')).toBe(100);
    expect(convert(100, 'l/min', 'm3/h')).toBe(6);
  });

  it('leaves a value unchanged when both units are the same', () => {
    expect(convert(21.5, 'C', 'C')).toBe(21.5);
  });

  it('comes back to the starting value after converting A → B → A, for every pair of units', () => {
    const pairs = Object.values(UNITS).flatMap((units) => {
      const names = Object.keys(units);
      return names.flatMap((a) => names.map((b) => [a, b] as const));
    });
    fc.assert(
      fc.property(fc.constantFrom(...pairs), fc.double({ min: -1e9, max: 1e9, noNaN: true }), ([a, b], value) => {
        const there = conversion(a, b);
        const back = conversion(b, a);
        const result = convertValue(back, convertValue(there, value));
        // Relative error, with the temperature offsets (up to 273.15 + 32 × 9/5) setting the scale near zero.
        expect(Math.abs(result - value)).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(value), 1000));
      }),
    );
  });

  it('names the units of the dimension when a unit is unknown, with a suggestion', () => {
    expect(() => convert(1, 'hPa', 'hpa')).toThrow(
      'convert: unknown unit "hpa" (did you mean "hPa"?); pressure units: Pa, hPa, kPa, bar, mbar, psi, inHg, mmHg',
    );
    expect(() => convert(1, 'kmh', 'm/s')).toThrow('convert: unknown unit "kmh" (did you mean "km/h"?); speed units: m/s, km/h, mph, kn');
    expect(() => convert(1, 'furlong', 'fathom')).toThrow(/^convert: unknown unit "furlong"; temperature units: C, F, K; pressure units: .*flow units: l\/min, m3\/h$/);
  });

  it('refuses to convert between dimensions', () => {
    expect(() => convert(1, 'C', 'Pa')).toThrow('convert: cannot convert C (temperature) to Pa (pressure); temperature units: C, F, K');
  });

  it('needs both from and to, and nothing else', () => {
    expect(() => compileTransforms([{ convert: { from: 'C' } }])).toThrow('convert.to: expected a unit such as F, psi or mph');
    expect(() => compileTransforms([{ convert: { from: 'C', to: 'F', form: 'x' } }])).toThrow(
      'convert: unknown option "form" (did you mean "from"?); allowed: from, to',
    );
  });
});
