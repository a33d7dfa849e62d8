import { describe, expect, it } from 'vitest';
import { CovarianceAccumulator } from './covariance-accumulator.js';
import { PcaModel } from './pca-model.js';
import { symmetricEigen } from './symmetric-eigen.js';
import { gaussian, mulberry32 } from '../../drivers/simulator/seeded-random.js';

describe('symmetric eigen-decomposition (Jacobi)', () => {
  it('finds 3 and 1 with vectors (1, 1)/√2 and (1, −1)/√2 for [[2, 1], [1, 2]]', () => {
    const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
    expect(values[0]).toBeCloseTo(3, 12);
    expect(values[1]).toBeCloseTo(1, 12);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(vectors[0]! * vectors[2]!).toBeCloseTo(0.5, 12); // first column (1, 1)/√2, either sign
    expect(vectors[1]! * vectors[3]!).toBeCloseTo(-0.5, 12); // second column (1, −1)/√2
  });

  it('finds 2 + √2, 2, 2 − √2 for the second-difference matrix [[2,−1,0],[−1,2,−1],[0,−1,2]]', () => {
    const { values } = symmetricEigen(Float64Array.of(2, -1, 0, -1, 2, -1, 0, -1, 2), 3);
    expect([...values].map((v) => v.toFixed(12))).toEqual([2 + Math.SQRT2, 2, 2 - Math.SQRT2].map((v) => v.toFixed(12)));
  });

  it('returns orthonormal vectors with A v = λ v for a random 12 × 12 covariance', () => {
    const p = 12;
    const random = mulberry32(7);
    const b = Float64Array.from({ length: p * p }, () => gaussian(random));
    const a = new Float64Array(p * p);
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) for (let r = 0; r < p; r++) a[i * p + j] = a[i * p + j]! + b[r * p + i]! * b[r * p + j]!;
    const { values, vectors } = symmetricEigen(a, p);
    for (let c = 0; c < p; c++) {
      for (let i = 0; i < p; i++) {
        let av = 0;
        for (let j = 0; j < p; j++) av += a[i * p + j]! * vectors[j * p + c]!;
        expect(av).toBeCloseTo(values[c]! * vectors[i * p + c]!, 9);
      }
      for (let d = 0; d < p; d++) {
        let dot = 0;
        for (let i = 0; i < p; i++) dot += vectors[i * p + c]! * vectors[i * p + d]!;
        expect(dot).toBeCloseTo(c === d ? 1 : 0, 12);
      }
      if (c > 0) expect(values[c]!).toBeLessThanOrEqual(values[c - 1]!);
    }
  });
});

describe('running covariance', () => {
  it('gives mean (2, 4) and covariance [[1, 2], [2, 4]] for rows (1, 2), (2, 4), (3, 6)', () => {
    const accumulator = new CovarianceAccumulator(2);
    for (const row of [[1, 2], [2, 4], [3, 6]]) accumulator.add(row);
    expect([...accumulator.mean]).toEqual([2, 4]);
    expect([...accumulator.covariance()]).toEqual([1, 2, 2, 4]);
  });

  it('matches the two-pass formula on rows with a large offset (1e6 + noise)', () => {
    const random = mulberry32(3);
    const rows = Array.from({ length: 500 }, () => [1e6 + gaussian(random), 5 + 2 * gaussian(random), -3 + 0.1 * gaussian(random)]);
    const accumulator = new CovarianceAccumulator(3);
    for (const row of rows) accumulator.add(row);
    const mean = [0, 1, 2].map((j) => rows.reduce((sum, row) => sum + row[j]!, 0) / rows.length);
    const covariance = accumulator.covariance();
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const twoPass = rows.reduce((sum, row) => sum + (row[i]! - mean[i]!) * (row[j]! - mean[j]!), 0) / (rows.length - 1);
        expect(covariance[i * 3 + j]).toBeCloseTo(twoPass, 9);
      }
    }
  });
});

describe('PCA model: Hotelling T² and SPE', () => {
  // Two standardised sensors with correlation 0.9: one component (90 % of variance needs λ₁ = 1.9 of 2 → 95 %).
  const model = new PcaModel({ mean: [10, 100], covariance: [4, 0.9 * 2 * 5, 0.9 * 2 * 5, 25], variance: 0.9 });
  const spe = new Float64Array(1);

  it('keeps one component for two sensors correlated 0.9', () => {
    expect(model.k).toBe(1);
  });

  it('gives T² = 2a²/1.9 and SPE = 0 for a row on the relationship (both +a σ)', () => {
    const a = 1.5;
    const t2 = model.score([10 + a * 2, 100 + a * 5], spe);
    expect(t2).toBeCloseTo((2 * a * a) / 1.9, 12);
    expect(spe[0]).toBeCloseTo(0, 12);
  });

  it('gives T² = 0 and SPE = 2a² for a row across the relationship (+a σ and −a σ)', () => {
    const a = 1.5;
    const contributions = new Float64Array(4);
    const t2 = model.score([10 + a * 2, 100 - a * 5], spe, contributions);
    expect(t2).toBeCloseTo(0, 12);
    expect(spe[0]).toBeCloseTo(2 * a * a, 12);
    expect(contributions[2]).toBeCloseTo(a * a, 12);
    expect(contributions[3]).toBeCloseTo(a * a, 12);
  });

  it('splits T² into sensor contributions that sum to it, and SPE into squared residuals', () => {
    const random = mulberry32(11);
    const p = 5;
    const accumulator = new CovarianceAccumulator(p);
    const row = new Float64Array(p);
    for (let n = 0; n < 2000; n++) {
      const load = gaussian(random);
      for (let j = 0; j < p; j++) row[j] = (j + 1) * load + 0.3 * gaussian(random);
      accumulator.add(row);
    }
    const fitted = new PcaModel({ mean: accumulator.mean, covariance: accumulator.covariance(), variance: 0.9 });
    const contributions = new Float64Array(2 * p);
    const t2 = fitted.score([1, -2, 3, 0.5, 4], spe, contributions);
    expect(contributions.subarray(0, p).reduce((a, b) => a + b, 0)).toBeCloseTo(t2, 9);
    expect(contributions.subarray(p).reduce((a, b) => a + b, 0)).toBeCloseTo(spe[0]!, 9);
  });

  it('with every component but one kept, T² + SPE / λ_min equals the full Mahalanobis distance zᵀR⁻¹z (p = 2)', () => {
    // For p = 2 the discarded component is the second; SPE = t₂², so zᵀR⁻¹z = T² + SPE/λ₂ with λ₂ = 0.1.
    const row = [12, 97];
    const t2 = model.score(row, spe);
    const z = [(12 - 10) / 2, (97 - 100) / 5];
    const mahalanobis = (z[0]! * z[0]! - 2 * 0.9 * z[0]! * z[1]! + z[1]! * z[1]!) / (1 - 0.81);
    expect(t2 + spe[0]! / 0.1).toBeCloseTo(mahalanobis, 9);
  });

  it('does not divide by zero for a sensor that was constant while learning', () => {
    const constant = new PcaModel({ mean: [5, 7], covariance: [0, 0, 0, 1], variance: 0.9 });
    const t2 = constant.score([5.5, 7], spe);
    expect(Number.isFinite(t2) && Number.isFinite(spe[0]!)).toBe(true);
    expect(t2 + spe[0]!).toBeGreaterThan(1e6);
  });
});
