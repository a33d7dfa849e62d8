import { mulberry32 } from '../../drivers/simulator/seeded-random.js';

/** Repeatable noise in [-0.5, 0.5): the simulator's seeded generator, centred, so every run sees the same values. */
export function seededNoise(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => uniform() - 0.5;
}
