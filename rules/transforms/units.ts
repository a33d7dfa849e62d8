import { didYouMeanSuffix } from '../did-you-mean.js';

/**
 * A unit as `base = (value + offset) × factor / divisor`, in the base unit of its dimension. Factors are kept as
 * exact fractions where they are exact (1 in = 254/10000 m, 1 °F = 5/9 °C), so that common conversions such as
 * 100 °C → 212 °F or 1 m/s → 3.6 km/h come out exact rather than off in the last digit.
 */
interface UnitDefinition {
  readonly factor: number;
  readonly divisor: number;
  readonly offset: number;
}

const unit = (factor: number, divisor = 1, offset = 0): UnitDefinition => ({ factor, divisor, offset });

/** Every unit `convert:` knows, by dimension, each dimension's base unit first. */
export const UNITS = {
  temperature: { C: unit(1), F: unit(5, 9, -32), K: unit(1, 1, -273.15) },
  pressure: {
    Pa: unit(1),
    hPa: unit(100),
    kPa: unit(1000),
    bar: unit(100_000),
    mbar: unit(100),
    psi: unit(6894.757293168361),
    // Conventional values for mercury at 0 °C (NIST SP 811).
    inHg: unit(3386.389),
    mmHg: unit(133.322387415),
  },
  length: {
    m: unit(1),
    mm: unit(1, 1000),
    cm: unit(1, 100),
    km: unit(1000),
    in: unit(254, 10_000),
    ft: unit(3048, 10_000),
    mi: unit(1_609_344, 1000),
  },
  speed: { 'm/s': unit(1), 'km/h': unit(1000, 3600), mph: unit(1_609_344, 3_600_000), kn: unit(1852, 3600) },
  energy: { J: unit(1), Wh: unit(3600), kWh: unit(3_600_000), MJ: unit(1_000_000) },
  power: { W: unit(1), kW: unit(1000) },
  volume: { l: unit(1), ml: unit(1, 1000), m3: unit(1000), gal: unit(3_785_411_784, 1_000_000_000) },
  flow: { 'l/min': unit(1), 'm3/h': unit(1000, 60) },
} as const satisfies Record<string, Record<string, UnitDefinition>>;

type Dimension = keyof typeof UNITS;
const DIMENSIONS = Object.keys(UNITS) as Dimension[];

function dimensionOf(name: string): Dimension | undefined {
  return DIMENSIONS.find((dimension) => Object.hasOwn(UNITS[dimension], name));
}

function definitionOf(dimension: Dimension, name: string): UnitDefinition {
  return (UNITS[dimension] as Record<string, UnitDefinition>)[name]!;
}

function unitList(dimension: Dimension): string {
  return `${dimension} units: ${Object.keys(UNITS[dimension]).join(', ')}`;
}

/** `out = (value + before) × numerator / denominator − after`: two multiplications, exact where the units are. */
export interface UnitConversion {
  readonly before: number;
  readonly numerator: number;
  readonly denominator: number;
  readonly after: number;
}

/** The conversion from one unit to another, or a sentence saying why there is none. */
export function unitConversion(from: string, to: string): UnitConversion | string {
  const fromDimension = dimensionOf(from);
  const toDimension = dimensionOf(to);
  const unknown = (name: string, other: Dimension | undefined) => {
    // Suggest from the other unit's dimension first: "kmh" next to m/s means km/h, not km.
    const candidates = other ? Object.keys(UNITS[other]) : DIMENSIONS.flatMap((dimension) => Object.keys(UNITS[dimension]));
    const known = other ? unitList(other) : DIMENSIONS.map(unitList).join('; ');
    return `unknown unit "${name}"${didYouMeanSuffix(name, candidates)}; ${known}`;
  };
  if (!fromDimension) return unknown(from, toDimension);
  if (!toDimension) return unknown(to, fromDimension);
  if (fromDimension !== toDimension) {
    return `cannot convert ${from} (${fromDimension}) to ${to} (${toDimension}); ${unitList(fromDimension)}`;
  }
  const a = definitionOf(fromDimension, from);
  const b = definitionOf(toDimension, to);
  return { before: a.offset, numerator: a.factor * b.divisor, denominator: a.divisor * b.factor, after: b.offset };
}

/** Applies a conversion to one value. */
export function convertValue(conversion: UnitConversion, value: number): number {
  return ((value + conversion.before) * conversion.numerator) / conversion.denominator - conversion.after;
}
