// SPDX-License-Identifier: MIT
// sensitivity(result, db): the predicted first-order move of x* against solving again at b + db, for both
// problems, and the facade's checks.
import { test } from "./uvu.js";
import * as assert from "uvu/assert";
import { rng, sensitivity, solve } from "../src/index.js";
import type { SolveProblem } from "../src/index.js";
import { distance, loadFixture, norm, snapshot } from "./helpers.js";

/** A direction of norm 1e-6 ||b||, seeded. */
function perturbation(n: number, b: Float64Array, seed: number): Float64Array {
  const rand = rng(seed);
  const v = Float64Array.from({ length: n }, () => rand() - 0.5);
  const s = (1e-6 * norm(b)) / norm(v);
  return v.map((t) => t * s);
}

// x* moves by ~1e-6 relative; a re-solve to ||grad|| <= 1e-11 pins x* (lambda_min >= 0.9) to far below 1e-3 of that
// move, and the second-order term of the expansion is ~1e-6 of it. So 1e-3 relative fails only on a wrong
// sign, a wrong term or a wrong Hessian.
for (const [name, kind] of [["reg-exp-sparse", "regularized"], ["reg-sinh-sparse", "regularized"], ["res-exp-sparse", "rescaled"], ["res-exp-powerlaw", "rescaled"]] as const) {
  test(`sensitivity on ${name} (${kind}) predicts the re-solved x at b + db to 1e-3, inside its bound`, async () => {
    const fx = loadFixture(name);
    const problem: SolveProblem = { problem: kind, f: fx.f, A: fx.A, b: fx.b, w: fx.w };
    const tight = { hessian: "exact" as const, x0: fx.x0, tol: 1e-11 };
    const r = await solve(problem, tight);
    assert.is(r.status, "converged", r.message);
    const db = perturbation(fx.A.nrows, fx.b, 7);
    const before = snapshot(db);
    const s = await sensitivity(r, db);
    assert.is(s.status, "ok", s.message);
    assert.equal(db, before, "db untouched");
    const moved = await solve({ ...problem, b: fx.b.map((v, i) => v + db[i]!) }, { ...tight, x0: r.x });
    assert.is(moved.status, "converged", moved.message);
    const actual = r.x.map((v, i) => moved.x[i]! - v);
    const err = distance(s.dx, actual) / norm(actual);
    assert.ok(err < 1e-3, `${name}: relative error ${err} (||dx|| ${norm(s.dx)}, actual ${norm(actual)})`);
    assert.ok(norm(s.dx) <= s.bound, `||dx|| ${norm(s.dx)} <= bound ${s.bound}`);
    assert.ok(s.lambdaMin > 0 && s.dbGradNorm > 0);
    // lambda_min against the fixture's (scipy eigvalsh at its x*).
    assert.ok(Math.abs(s.lambdaMin - fx.ref.hess_eig_min) <= 1e-6 * fx.ref.hess_eig_min, `lambda_min ${s.lambdaMin} vs ${fx.ref.hess_eig_min}`);
  });
}

test("the bound is attained in order: the worst db of a given norm moves x by about the bound's numerator / lambda", async () => {
  const fx = loadFixture("res-exp-gauss");
  const r = await solve({ problem: "rescaled", f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian: "sketch-pcg", x0: fx.x0 });
  const s = await sensitivity(r, perturbation(fx.A.nrows, fx.b, 3));
  assert.is(s.status, "ok");
  assert.ok(norm(s.dx) <= s.bound && norm(s.dx) > 1e-6 * s.bound, `||dx|| ${norm(s.dx)}, bound ${s.bound}`);
});

test("the solver state sensitivity keeps is not visible on the result", async () => {
  const fx = loadFixture("reg-exp-tiny");
  const r = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w });
  assert.ok(Object.keys(r).every((k) => typeof k === "string"));
  assert.not.ok(JSON.stringify(r, (_k, v) => (v instanceof Float64Array ? Array.from(v) : v)).includes("blockNnz"));
  // A copy of the result (spread, structuredClone) is no longer a solved result.
  let error: unknown;
  try {
    await sensitivity({ ...r }, new Float64Array(fx.A.nrows));
  } catch (e) {
    error = e;
  }
  assert.is((error as { code?: string }).code, "ERR_INVALID_TYPE");
  // ... and changing result.x does not change what sensitivity differentiates at.
  const s1 = await sensitivity(r, fx.b);
  r.x.fill(3);
  const s2 = await sensitivity(r, fx.b);
  assert.equal(Array.from(s2.dx), Array.from(s1.dx));
});

const bad: [string, (r: Awaited<ReturnType<typeof solve>>, n: number) => Promise<unknown>, string, RegExp][] = [
  ["db of the wrong length", (r, n) => sensitivity(r, new Float64Array(n - 1)), "ERR_SIZE_MISMATCH", /db/],
  ["a NaN in db", (r, n) => sensitivity(r, Float64Array.from({ length: n }, (_, i) => (i === 4 ? NaN : 0))), "ERR_NOT_FINITE", /db\[4\]/],
  ["a string for db", (r) => sensitivity(r, "1,2" as unknown as number[]), "ERR_INVALID_TYPE", /db/],
  ["something that is not a result", (_r, n) => sensitivity({ x: new Float64Array(2) } as never, new Float64Array(n)), "ERR_INVALID_TYPE", /result/],
];

for (const [what, call, code, pattern] of bad) {
  test(`sensitivity rejects ${what} with ${code}`, async () => {
    const fx = loadFixture("reg-exp-tiny");
    const r = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w });
    let error: unknown;
    try {
      await call(r, fx.A.nrows);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof Error, "it throws");
    assert.is((error as { code?: string }).code, code);
    assert.match((error as Error).message, pattern);
  });
}

test.run();
