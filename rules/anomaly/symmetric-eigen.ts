/**
 * Eigen-decomposition of a small symmetric matrix (the covariance of a sensor group, at most ~16 × 16) by the cyclic
 * Jacobi method: a few dozen lines, exact to rounding, and run once per learning period, so its O(p³) per sweep
 * does not matter. Written here rather than taken from a library: the agent runs on a Pi and needs nothing else of one.
 */

/** Eigenvalues in descending order and the matching unit eigenvectors, vector i in column i (row-major p × p). */
export interface SymmetricEigen {
  readonly values: Float64Array;
  readonly vectors: Float64Array;
}

const MAX_SWEEPS = 100;

/** `matrix` is row-major p × p and symmetric (only the upper triangle is read); it is not changed. */
export function symmetricEigen(matrix: Float64Array, p: number): SymmetricEigen {
  if (matrix.length !== p * p) throw new Error(`expected a ${p} × ${p} matrix, got ${matrix.length} numbers`);
  const a = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = i; j < p; j++) a[i * p + j] = a[j * p + i] = matrix[i * p + j]!;
  const v = new Float64Array(p * p);
  for (let i = 0; i < p; i++) v[i * p + i] = 1;
  let scale = 0;
  for (let i = 0; i < p * p; i++) scale = Math.max(scale, Math.abs(a[i]!));
  const tolerance = Number.EPSILON * Math.max(scale, Number.MIN_VALUE);
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let offDiagonal = 0;
    for (let i = 0; i < p; i++) for (let j = i + 1; j < p; j++) offDiagonal = Math.max(offDiagonal, Math.abs(a[i * p + j]!));
    if (offDiagonal <= tolerance) break;
    for (let k = 0; k < p; k++) {
      for (let l = k + 1; l < p; l++) {
        const akl = a[k * p + l]!;
        if (Math.abs(akl) <= tolerance) continue;
        // The rotation that zeroes a[k][l] (Golub & Van Loan, Algorithm 8.5.1, the stable choice of t).
        const theta = (a[l * p + l]! - a[k * p + k]!) / (2 * akl);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < p; r++) {
          const ark = a[r * p + k]!;
          const arl = a[r * p + l]!;
          a[r * p + k] = c * ark - s * arl;
          a[r * p + l] = s * ark + c * arl;
        }
        for (let r = 0; r < p; r++) {
          const akr = a[k * p + r]!;
          const alr = a[l * p + r]!;
          a[k * p + r] = c * akr - s * alr;
          a[l * p + r] = s * akr + c * alr;
        }
        for (let r = 0; r < p; r++) {
          const vrk = v[r * p + k]!;
          const vrl = v[r * p + l]!;
          v[r * p + k] = c * vrk - s * vrl;
          v[r * p + l] = s * vrk + c * vrl;
        }
      }
    }
  }
  const order = Array.from({ length: p }, (_, i) => i).sort((x, y) => a[y * p + y]! - a[x * p + x]!);
  const values = new Float64Array(p);
  const vectors = new Float64Array(p * p);
  order.forEach((from, to) => {
    values[to] = a[from * p + from]!;
    for (let r = 0; r < p; r++) vectors[r * p + to] = v[r * p + from]!;
  });
  return { values, vectors };
}
