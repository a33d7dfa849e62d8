import { symmetricEigen } from './symmetric-eigen.js';

/**
 * A principal-component model of how a group of sensors move together, fitted once from a learning period's mean and
 * covariance. Each sensor is standardised by its own mean and standard deviation first (the sensors have different
 * units), so the model is a PCA of the correlation matrix. For a row it gives
 * - Hotelling's T² on the `k` retained components: Σ tᵢ² / λᵢ — how unusual the row is *within* the learnt
 *   relationship (an operating point further out than learnt), and
 * - the squared prediction error SPE (Q): ‖z − P Pᵀ z‖² — how far the row is *off* the learnt relationship (flow down
 *   while pressure and current go up, each in range),
 * with each sensor's share of either, to name the sensors that broke the relationship.
 */
export interface PcaFit {
  readonly mean: ArrayLike<number>;
  /** Full symmetric p × p sample covariance, row-major. */
  readonly covariance: ArrayLike<number>;
  /** Share of the standardised variance the retained components must explain, in (0, 1]. */
  readonly variance: number;
}

/** Smallest standard deviation a sensor is divided by, relative to its level: a sensor constant while learning. */
const MIN_RELATIVE_SPREAD = 1e-6;
/** Eigenvalues below this share of the total are treated as this (exactly collinear sensors). */
const MIN_EIGEN_SHARE = 1e-9;

export class PcaModel {
  readonly p: number;
  /** Retained components: at least 1, at most p − 1 so that a residual (SPE) remains. */
  readonly k: number;
  private readonly mean: Float64Array;
  private readonly spread: Float64Array;
  /** Retained eigenvectors, component i in row i (k × p), for cache-friendly projection. */
  private readonly loadings: Float64Array;
  private readonly eigenvalues: Float64Array;
  /** Scratch: standardised row, scores, residual. */
  private readonly z: Float64Array;
  private readonly t: Float64Array;
  private readonly residual: Float64Array;

  constructor(fit: PcaFit) {
    const p = fit.mean.length;
    if (p < 2) throw new Error('a group needs at least 2 sensors');
    if (fit.covariance.length !== p * p) throw new Error(`covariance must be ${p} × ${p}`);
    this.p = p;
    this.mean = Float64Array.from(fit.mean);
    this.spread = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      const sd = Math.sqrt(Math.max(fit.covariance[j * p + j]!, 0));
      this.spread[j] = Math.max(sd, MIN_RELATIVE_SPREAD * (Math.abs(this.mean[j]!) + 1));
    }
    const correlation = new Float64Array(p * p);
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) correlation[i * p + j] = fit.covariance[i * p + j]! / (this.spread[i]! * this.spread[j]!);
    }
    const { values, vectors } = symmetricEigen(correlation, p);
    let total = 0;
    for (let i = 0; i < p; i++) total += Math.max(values[i]!, 0);
    let k = 0;
    let explained = 0;
    while (k < p - 1 && (k === 0 || explained < fit.variance * total)) explained += Math.max(values[k++]!, 0);
    this.k = k;
    this.eigenvalues = new Float64Array(k);
    this.loadings = new Float64Array(k * p);
    const floor = Math.max(total, Number.MIN_VALUE) * MIN_EIGEN_SHARE;
    for (let i = 0; i < k; i++) {
      this.eigenvalues[i] = Math.max(values[i]!, floor);
      for (let j = 0; j < p; j++) this.loadings[i * p + j] = vectors[j * p + i]!;
    }
    this.z = new Float64Array(p);
    this.t = new Float64Array(k);
    this.residual = new Float64Array(p);
  }

  /**
   * Scores one row; returns T² and writes SPE into `out[0]`. When `contributions` are given (2p numbers), fills
   * [0, p) with each sensor's part of T² (zⱼ Σᵢ Pᵢⱼ tᵢ / λᵢ, which sums to T²; can be negative) and [p, 2p) with its
   * part of SPE (its squared residual). Allocates nothing.
   */
  score(row: ArrayLike<number>, out: Float64Array, contributions?: Float64Array): number {
    const { p, k, z, t, residual, loadings, eigenvalues } = this;
    for (let j = 0; j < p; j++) z[j] = (row[j]! - this.mean[j]!) / this.spread[j]!;
    let t2 = 0;
    for (let i = 0; i < k; i++) {
      let score = 0;
      for (let j = 0; j < p; j++) score += loadings[i * p + j]! * z[j]!;
      t[i] = score;
      t2 += (score * score) / eigenvalues[i]!;
    }
    let spe = 0;
    for (let j = 0; j < p; j++) {
      let fitted = 0;
      for (let i = 0; i < k; i++) fitted += loadings[i * p + j]! * t[i]!;
      const e = z[j]! - fitted;
      residual[j] = e;
      spe += e * e;
    }
    if (contributions) {
      for (let j = 0; j < p; j++) {
        let weighted = 0;
        for (let i = 0; i < k; i++) weighted += (loadings[i * p + j]! * t[i]!) / eigenvalues[i]!;
        contributions[j] = z[j]! * weighted;
        contributions[p + j] = residual[j]! * residual[j]!;
      }
    }
    out[0] = spe;
    return t2;
  }
}
