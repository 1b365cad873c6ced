// SPDX-License-Identifier: MIT
// Properties on a few hundred seeded random problems with the convexity certificate: every solve
// converges (vouched for by the float64 gradient of tests/oracle.ts); permuting the rows of A,
// with b and w, leaves the loss at the answer unchanged to 1e-10; and the answer is the same bits
// in the calling thread and on pools of 1, 2 and 3 workers.
import { test } from "./uvu.js";
import * as assert from "uvu/assert";
import { createPool, csr, generateProblem } from "../src/index.js";
import type { CsrMatrix, Family, HessianMode, HyperbolicFunction, IterationInfo, Pool, ProblemKind, SolveOptions } from "../src/index.js";
import { solve } from "../src/index.js";
import { assertValidResult, Random, type RawProblem } from "./oracle.js";

const PROBLEMS = 300;
const THREADS = [1, 2, 3];
/** Relative agreement of the loss under a row permutation: rounding of sums taken in another order, far below this. */
const PERMUTED_LOSS = 1e-10;

const FAMILIES: Family[] = ["gauss", "sparse", "powerlaw", "onehot"];
const FUNCTIONS: HyperbolicFunction[] = ["exp", "cosh", "sinh"];
const MODES: HessianMode[] = ["auto", "exact", "sketch", "sketch-pcg"];

/** Everything in the history but wall times. */
const trace = (h: IterationInfo[]) => h.map(({ ms: _ms, ...rest }) => rest);

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/** Rows of A (and b, w) in the order `perm`. */
function permuteRows(A: CsrMatrix, perm: number[]): CsrMatrix {
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (const i of perm) {
    for (let p = A.indptr[i]!; p < A.indptr[i + 1]!; p++) {
      indices.push(A.indices[p]!);
      data.push(A.data[p]!);
    }
    indptr.push(indices.length);
  }
  return csr({ nrows: A.nrows, ncols: A.ncols, indptr, indices, data });
}

interface Case {
  what: string;
  problem: RawProblem & { A: CsrMatrix; b: Float64Array; w: Float64Array };
  options: SolveOptions;
}

function makeCase(rand: Random, k: number): Case {
  const family = rand.pick(FAMILIES);
  const kind: ProblemKind = rand.chance(0.7) ? "regularized" : "rescaled";
  // Rescaled sinh is trivial (x* = 0) and rescaled cosh even; rescaled exp is the meaningful case (math.md 2).
  const f = kind === "rescaled" ? "exp" : rand.pick(FUNCTIONS);
  const nrows = rand.int(30, 400);
  const ncols = rand.int(2, family === "onehot" ? 8 : 12);
  const seed = rand.int(1, 1e9);
  const g = generateProblem({ family, nrows, ncols, f, seed, problem: kind, rowNnz: rand.int(1, Math.min(ncols, 5)), radius: rand.pick([0.5, 1, 2]) });
  const hessian = rand.pick(MODES);
  // Small blocks, so that 2 and 3 workers each hold some of a few hundred rows.
  const blockNnz = rand.pick([20, 50, 200]);
  const x0 = rand.chance(0.3) ? Float64Array.from({ length: ncols }, () => 0.1 * rand.normal()) : undefined;
  const options: SolveOptions = { hessian, blockNnz, seed: rand.int(0, 1000), ...(x0 === undefined ? {} : { x0 }) };
  return { what: `problem ${k}: ${kind} ${f} ${family} ${nrows} x ${ncols} (seed ${seed}), ${hessian}, blockNnz ${blockNnz}`, problem: { problem: kind, f, A: g.A, b: g.b, w: g.w }, options };
}

test(`${PROBLEMS} random certified problems converge, keep their loss under row permutations and give the same bits on 0-3 threads`, async () => {
  const rand = new Random(31337);
  const pools: Pool[] = await Promise.all(THREADS.map((threads) => createPool({ threads })));
  const tally = { converged: 0, identical: 0, worstPermuted: 0 };
  try {
    for (let k = 0; k < PROBLEMS; k++) {
      const c = makeCase(rand, k);
      const base = await solve(c.problem, c.options);
      assertValidResult(base, c.problem, c.what);
      assert.is(base.status, "converged", `${c.what} ${JSON.stringify({ ...c.options, x0: c.options.x0 && Array.from(c.options.x0) })}: ${base.message}`);
      // Certified: globally (regularized) or at the answer (rescaled, e > 0 there).
      assert.ok(base.certificate.holds, `${c.what}: the certificate does not hold`);
      tally.converged++;

      const perm = Array.from({ length: c.problem.A.nrows }, (_, i) => i);
      for (let i = perm.length - 1; i > 0; i--) {
        const j = rand.int(0, i);
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      const permuted = { ...c.problem, A: permuteRows(c.problem.A, perm), b: Float64Array.from(perm, (i) => c.problem.b[i]!), w: Float64Array.from(perm, (i) => c.problem.w[i]!) };
      const p = await solve(permuted, c.options);
      assertValidResult(p, permuted, `${c.what}, rows permuted`);
      assert.is(p.status, "converged", `${c.what}, rows permuted: ${p.message}`);
      // Both answers are within tol (1e-8 of the first gradient) of the strictly convex minimum, where
      // the loss is flat to second order: their losses agree far below 1e-10 relative, rounding aside.
      const rel = Math.abs(p.loss - base.loss) / Math.abs(base.loss);
      tally.worstPermuted = Math.max(tally.worstPermuted, rel);
      assert.ok(rel <= PERMUTED_LOSS, `${c.what}: loss ${base.loss} vs ${p.loss} with rows permuted (relative ${rel.toExponential(2)})`);

      for (const [t, pool] of pools.entries()) {
        const model = await pool.load(c.problem.A, { blockNnz: c.options.blockNnz! });
        const { blockNnz: _b, ...options } = c.options;
        const r = await model.solve({ problem: c.problem.problem!, f: c.problem.f, b: c.problem.b, w: c.problem.w }, options);
        await model.dispose();
        const what = `${c.what}, threads ${THREADS[t]}`;
        assert.is(r.threads, THREADS[t]);
        assert.ok(sameBits(r.x, base.x), `${what}: x differs from the calling thread's`);
        assert.ok(Object.is(r.loss, base.loss), `${what}: loss ${r.loss} vs ${base.loss}`);
        assert.equal(trace(r.history), trace(base.history), `${what}: history differs`);
      }
      tally.identical++;
    }
    for (const pool of pools) assert.is(pool.liveWorkers, pool.threads);
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  console.log(`# properties: ${tally.converged} problems converged, ${tally.identical} bit-identical on threads 0, ${THREADS.join(", ")}; largest relative loss change under a row permutation ${tally.worstPermuted.toExponential(2)}`);
});

test.run();
