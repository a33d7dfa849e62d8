/**
 * Small, seedable random numbers for the simulator. Not cryptographic: the point is that the same seed gives the
 * same values on every machine and every run, so demos and tests are repeatable.
 */

/** A source of uniform numbers in [0, 1). */
export type UniformRandom = () => number;

/** mulberry32: a 32-bit PRNG in four lines, good enough for simulated noise. Same seed, same sequence. */
export function mulberry32(seed: number): UniformRandom {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Murmur3's finaliser: spreads every input bit over the whole 32-bit result. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Hashes integers (any safe integer, negative included) into one 32-bit seed. Used to derive an independent stream
 * per (seed, sensor, tick), so a value never depends on how many values came before it.
 */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    // Both halves, so seeds and tick counts above 2^32 still differ.
    const low = part >>> 0;
    const high = Math.floor(part / 4_294_967_296) >>> 0;
    h = fmix32(Math.imul(h ^ low, 0x01000193));
    h = fmix32(Math.imul(h ^ high, 0x01000193));
  }
  return h;
}

/** FNV-1a of a string's UTF-16 code units: a stable number for a sensor name. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A standard normal sample (mean 0, standard deviation 1) by the Box–Muller transform. */
export function gaussian(random: UniformRandom): number {
  // 1 - u keeps the logarithm's argument in (0, 1], so the result is always finite.
  const u1 = 1 - random();
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
