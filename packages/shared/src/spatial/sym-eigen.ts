/**
 * Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations. Alignment needs it for a
 * 3x3 covariance (is the point set collinear?) and Horn's 4x4 quaternion matrix; Jacobi is a dozen lines,
 * unconditionally stable for symmetric input and exact to rounding, which a closed-form quartic is not.
 */

export interface SymEigen {
  /** Eigenvalues, largest first. */
  values: number[];
  /** `vectors[i]` is the unit eigenvector of `values[i]`. */
  vectors: number[][];
}

const MAX_SWEEPS = 50;

/** `m` is read as symmetric (only its upper triangle matters) and not modified. */
export function symmetricEigen(m: readonly (readonly number[])[]): SymEigen {
  const n = m.length;
  const a = m.map((row, i) => row.map((_, j) => (j >= i ? m[i]![j]! : m[j]![i]!)));
  const v: number[][] = a.map((_, i) => a.map((__, j) => (i === j ? 1 : 0)));
  const at = (i: number, j: number) => a[i]![j]!;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += at(i, i) ** 2;
      for (let j = i + 1; j < n; j++) off += at(i, j) ** 2;
    }
    // Converged once what is left off the diagonal is below the rounding of the diagonal itself.
    if (off <= Number.EPSILON ** 2 * diag * 1e-4 || !Number.isFinite(off)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = at(p, q);
        if (apq === 0) continue;
        // The rotation that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1), the small-angle root.
        const theta = (at(q, q) - at(p, p)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = at(k, p);
          const akq = at(k, q);
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = at(p, k);
          const aqk = at(q, k);
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = a.map((_, i) => i).sort((i, j) => at(j, j) - at(i, i));
  return { values: order.map((i) => at(i, i)), vectors: order.map((i) => v.map((row) => row[i]!)) };
}
