// SPDX-License-Identifier: MIT
// Shared by the test files: fixture loading and comparisons.
import { readFileSync } from "node:fs";
import { parseMatrixMarket, parseVector } from "../src/index.js";
import type { CsrMatrix, HyperbolicFunction, ProblemKind } from "../src/index.js";

export interface Fixture {
  name: string;
  A: CsrMatrix;
  b: Float64Array;
  w: Float64Array;
  x0: Float64Array;
  f: HyperbolicFunction;
  problem: ProblemKind;
  family: string;
  ref: { x: number[]; loss: number; grad_norm: number; hess_eig_min: number };
}

/** Reads tests/fixtures/<name> (made by an independent scipy solver; see tests/fixtures/README.md). */
export function loadFixture(name: string): Fixture {
  const dir = `tests/fixtures/${name}`;
  const text = (f: string) => readFileSync(`${dir}/${f}`, "utf8");
  const meta = JSON.parse(text("meta.json")) as { f: HyperbolicFunction; problem: ProblemKind; family: string };
  return {
    name,
    A: parseMatrixMarket(text("A.mtx")),
    b: parseVector(text("b.txt"), "b"),
    w: parseVector(text("w.txt"), "w"),
    x0: parseVector(text("x0.txt"), "x0"),
    f: meta.f,
    problem: meta.problem,
    family: meta.family,
    ref: JSON.parse(text("reference.json")),
  };
}

export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** ||a - b|| / max(||b||, floor): relative where b is not tiny, absolute near zero. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1): number {
  return distance(a, b) / Math.max(norm(b), floor);
}

/** A copy of every typed array / array in `o`, to check later that nothing was mutated. */
export function snapshot<T>(o: T): T {
  return structuredClone(o);
}
