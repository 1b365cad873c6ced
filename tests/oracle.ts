// SPDX-License-Identifier: MIT
// Independent checks shared by the reliability tests (fuzz, extremes, properties, faults): what a
// valid result looks like, with `converged` vouched for by the float64 gradient of ./gradient.ts at
// the returned x; and deep snapshots to prove that no input was modified.
import * as assert from "uvu/assert";
import { isHyperregError, rng } from "../src/index.js";
import type { SolveResult, Status } from "../src/index.js";
import { type GradientCheck, type RawProblem, referenceGradient } from "./gradient.js";

export { type GradientCheck, type RawCsr, type RawProblem, referenceGradient } from "./gradient.js";

export const STATUSES: readonly Status[] = ["converged", "max-iterations", "not-positive-definite", "overflow", "line-search-failed", "no-minimizer"];

export const ERROR_CODES = [
  "ERR_INVALID_TYPE",
  "ERR_INVALID_VALUE",
  "ERR_SIZE_MISMATCH",
  "ERR_NOT_FINITE",
  "ERR_INVALID_CSR",
  "ERR_PARSE",
  "ERR_ABORTED",
  "ERR_WASM_LOAD",
  "ERR_WORKER_CRASHED",
  "ERR_INTERNAL",
] as const;

/**
 * Fails unless `r` is a valid result for `p`: x finite of length d, a documented status with a
 * message, a history that matches the iteration count, and `converged` only where the gradient
 * recomputed here at the returned x is within tol (plus the rounding bound). Returns the check.
 */
export function assertValidResult(r: SolveResult, p: RawProblem, what: string, maxIterations = 100): GradientCheck {
  const d = p.A.ncols;
  assert.instance(r.x, Float64Array, `${what}: x is not a Float64Array`);
  assert.is(r.x.length, d, `${what}: x has length ${r.x.length}, expected ${d}`);
  for (let j = 0; j < d; j++) if (!Number.isFinite(r.x[j])) assert.unreachable(`${what}: x[${j}] = ${r.x[j]} is not finite (status ${r.status})`);
  assert.ok(STATUSES.includes(r.status), `${what}: undocumented status ${String(r.status)}`);
  assert.type(r.message, "string");
  assert.ok(r.message.length > 0, `${what}: empty message for status ${r.status}`);
  assert.ok(Number.isInteger(r.iterations) && r.iterations >= 0 && r.iterations <= maxIterations, `${what}: ${r.iterations} iterations`);
  assert.is(r.history.length, r.iterations + 1, `${what}: history length`);
  assert.ok(r.tol > 0 && Number.isFinite(r.tol), `${what}: tol ${r.tol}`);
  if (r.status !== "overflow") {
    assert.ok(Number.isFinite(r.loss), `${what}: loss ${r.loss} with status ${r.status}`);
    assert.ok(Number.isFinite(r.gradNorm), `${what}: gradNorm ${r.gradNorm} with status ${r.status}`);
  }
  const check = referenceGradient(p, r.x);
  if (r.status === "converged") {
    assert.ok(r.gradNorm <= r.tol, `${what}: converged with gradNorm ${r.gradNorm} > tol ${r.tol}`);
    if (!(check.gradNorm <= r.tol + check.slack)) {
      assert.unreachable(`${what}: converged, but ||grad|| at the returned x is ${check.gradNorm.toExponential(3)} > tol ${r.tol.toExponential(3)} + rounding ${check.slack.toExponential(3)}`);
    }
  }
  return check;
}

/** Fails unless `e` is one of hyperreg's errors with a documented code (in `codes`, when given). */
export function assertTypedError(e: unknown, what: string, codes?: readonly string[]): void {
  if (!isHyperregError(e)) {
    const text = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ""}` : String(e);
    assert.unreachable(`${what}: an untyped error escaped: ${text}`);
  }
  const err = e as { code: string; message: string };
  assert.ok((ERROR_CODES as readonly string[]).includes(err.code), `${what}: undocumented code ${err.code}`);
  if (codes !== undefined) assert.ok(codes.includes(err.code), `${what}: code ${err.code} (${err.message}), expected one of ${codes.join(", ")}`);
  assert.ok(err.message.length > 0, `${what}: empty message`);
}

/** A deep copy of arrays, typed arrays and plain objects; anything else (functions, signals) by reference. */
export function deepSnapshot(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return (value as unknown as { slice(): unknown }).slice();
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length);
    // Holes stay holes: a copy by map() would keep them, but spell it out.
    for (let i = 0; i < value.length; i++) if (i in value) copy[i] = deepSnapshot(value[i]);
    return copy;
  }
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepSnapshot(v)]));
  }
  return value;
}

/** Where `now` differs from `before` (a deepSnapshot), as a path; null when nothing changed. NaN equals NaN, -0 differs from 0. */
export function changedAt(now: unknown, before: unknown, path = "input"): string | null {
  if (ArrayBuffer.isView(now) && !(now instanceof DataView)) {
    const a = now as unknown as ArrayLike<unknown>;
    const b = before as ArrayLike<unknown>;
    if (!ArrayBuffer.isView(before) || a.length !== b.length) return path;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `${path}[${i}]`;
    return null;
  }
  if (Array.isArray(now)) {
    if (!Array.isArray(before) || now.length !== before.length) return path;
    for (let i = 0; i < now.length; i++) {
      if (i in now !== i in before) return `${path}[${i}]`;
      const c = changedAt(now[i], before[i], `${path}[${i}]`);
      if (c !== null) return c;
    }
    return null;
  }
  if (typeof now === "object" && now !== null && Object.getPrototypeOf(now) === Object.prototype) {
    if (typeof before !== "object" || before === null) return path;
    const keys = new Set([...Object.keys(now), ...Object.keys(before)]);
    for (const k of keys) {
      const c = changedAt((now as Record<string, unknown>)[k], (before as Record<string, unknown>)[k], `${path}.${k}`);
      if (c !== null) return c;
    }
    return null;
  }
  return Object.is(now, before) ? null : path;
}

/** The library's seeded generator (splitmix32, floats in [0, 1)) with the helpers a fuzzer wants. */
export class Random {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = rng(seed);
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }
}
