// SPDX-License-Identifier: MIT
// Seeded synthetic problems for the demo, the examples and the benchmarks: a planted x, b = f(A x)
// plus noise, and w just above the convexity certificate (so the minimizer is unique).
import { phi } from "./certificate.js";
import { csrMatVec, freezeCsr } from "./csr.js";
import type { CsrMatrix, HyperbolicFunction, ProblemKind } from "./types.js";

export type Family = "gauss" | "sparse" | "powerlaw" | "onehot";

export interface GenerateOptions {
  family: Family;
  nrows: number;
  ncols: number;
  /** Nonzeros per row for "sparse" (and the mean for "powerlaw"). */
  rowNnz?: number;
  f?: HyperbolicFunction;
  seed?: number;
  /** Noise added to b, relative to |f(A x_true)|. */
  noise?: number;
  /** w_i^2 = phi_f(b_i) + margin: the certificate holds with this margin. */
  margin?: number;
  /** Scale x_true so that max |(A x_true)_i| is about this. */
  radius?: number;
  /**
   * "rescaled": b = f(A x_true) / <f(A x_true), 1> with relative noise (the shape x_true predicts),
   * and w = `rescaledWeight` on every row (the rescaled loss has no global certificate to sit above).
   */
  problem?: ProblemKind;
  /**
   * w for rescaled problems (default 4). Weaker weights pull x* off x_true without fitting it, and near
   * x = 0 the rows with n b_i well above 1 get e_i = u_i q_i + w^2 < 0: with radius 2 and 1% noise,
   * w = 4 keeps e > 0 at the solution (measured: smallest e about 9.8 on 50000 x 200 Gaussian rows).
   */
  rescaledWeight?: number;
}

export interface GeneratedProblem {
  A: CsrMatrix;
  b: Float64Array;
  w: Float64Array;
  xTrue: Float64Array;
  f: HyperbolicFunction;
}

/** splitmix32: a small, fast, seedable generator for reproducible test data. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return ((z ^ (z >>> 15)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/**
 * A reproducible problem instance.
 *
 * @example
 * const { A, b, w } = generateProblem({ family: "sparse", nrows: 10000, ncols: 50, rowNnz: 8, f: "exp", seed: 1 });
 */
export function generateProblem(o: GenerateOptions): GeneratedProblem {
  const { nrows, ncols, family } = o;
  const f = o.f ?? "exp";
  const rand = rng(o.seed ?? 1);
  const randn = gaussian(rand);
  const k = Math.min(ncols, Math.max(1, o.rowNnz ?? Math.min(ncols, 8)));
  const indptr = new Int32Array(nrows + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  const zipf = (s: number) => {
    // Column j is drawn with probability proportional to 1 / (j + 1)^s.
    const cdf = new Float64Array(ncols);
    let acc = 0;
    for (let j = 0; j < ncols; j++) cdf[j] = acc += 1 / Math.pow(j + 1, s);
    return () => {
      const u = rand() * acc;
      let lo = 0;
      let hi = ncols - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid]! < u) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
  };
  const popular = zipf(1.1);
  for (let i = 0; i < nrows; i++) {
    let row: number[];
    if (family === "gauss") {
      row = Array.from({ length: ncols }, (_, j) => j);
    } else if (family === "onehot") {
      row = [popular()];
    } else {
      const len = family === "sparse" ? k : Math.min(ncols, Math.max(1, Math.round(k * Math.pow(1 - rand(), -1 / 1.5) * 0.35)));
      const set = new Set<number>();
      const pick = family === "sparse" ? () => Math.floor(rand() * ncols) : popular;
      while (set.size < len) set.add(set.size < len / 2 || family === "sparse" ? pick() : Math.floor(rand() * ncols));
      row = [...set].sort((a, c) => a - c);
    }
    const scale = 1 / Math.sqrt(row.length);
    for (const j of row) {
      cols.push(j);
      vals.push(family === "onehot" ? 1 : randn() * scale);
    }
    indptr[i + 1] = cols.length;
  }
  // Rows are built sorted and unique: the matrix needs no second check.
  const A: CsrMatrix = freezeCsr(nrows, ncols, indptr, Int32Array.from(cols), Float64Array.from(vals));

  const xTrue = Float64Array.from({ length: ncols }, randn);
  const z = csrMatVec(A, xTrue);
  let zmax = 0;
  for (let i = 0; i < nrows; i++) zmax = Math.max(zmax, Math.abs(z[i]!));
  const scale = (o.radius ?? 2) / Math.max(zmax, 1e-300);
  for (let j = 0; j < ncols; j++) xTrue[j]! *= scale;
  const fn = f === "exp" ? Math.exp : f === "cosh" ? Math.cosh : Math.sinh;
  const noise = o.noise ?? 0.01;
  const margin = o.margin ?? 0.1;
  const b = new Float64Array(nrows);
  const w = new Float64Array(nrows);
  if (o.problem === "rescaled") {
    let alpha = 0;
    for (let i = 0; i < nrows; i++) {
      b[i] = fn(z[i]! * scale) * (1 + noise * randn());
      alpha += fn(z[i]! * scale);
    }
    for (let i = 0; i < nrows; i++) b[i]! /= alpha;
    w.fill(o.rescaledWeight ?? 4);
    return { A, b, w, xTrue, f };
  }
  for (let i = 0; i < nrows; i++) {
    const u = fn(z[i]! * scale);
    b[i] = u + noise * Math.max(1, Math.abs(u)) * randn();
    w[i] = Math.sqrt(Math.max(phi(f, b[i]!), 0) + margin);
  }
  return { A, b, w, xTrue, f };
}
