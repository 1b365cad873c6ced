// SPDX-License-Identifier: MIT
// The correctness suite every runtime runs against the built bundle (Node, Deno, Chromium, workerd):
// the scipy fixtures in every Hessian mode, both problems, on pools of 1 and 2 workers where the
// runtime has workers and in the calling thread where it has none. It uses nothing but the public
// entry point and the platform every runtime shares, so one file serves them all. Checks run where
// the solve ran; the outcomes also go back to the test runner, which compares runtimes.
import { createPool, parseMatrixMarket, parseVector, solve } from "hyperreg";
import type { HessianMode, HyperbolicFunction, Model, Pool, ProblemKind, SolveOptions } from "hyperreg";
import { referenceGradient } from "../gradient.js";

/** One fixture folder as text (made by the test runner from tests/fixtures). */
export interface FixtureText {
  name: string;
  meta: { f: HyperbolicFunction; problem: ProblemKind; family: string };
  A: string;
  b: string;
  w: string;
  x0: string;
  ref: { x: number[]; loss: number; hess_eig_min: number };
}

/** What a case keeps of a result: enough to check it and to compare runtimes. */
export interface Outcome {
  status: string;
  message: string;
  loss: number;
  gradNorm: number;
  iterations: number;
  x: number[];
  threads: number;
}

/** A problem in plain data, as it crosses a process or an HTTP request. */
export interface WireProblem {
  problem: ProblemKind;
  f: HyperbolicFunction;
  A: { nrows: number; ncols: number; indptr: number[]; indices: number[]; data: number[] };
  b: number[];
  w: number[];
}

/** Solves somewhere else (the edge runtime's POST /solve); options are plain data. */
export type RemoteSolve = (problem: WireProblem, options: SolveOptions) => Promise<Outcome>;

export interface SuiteOptions {
  /** 0: the calling thread (solve without a pool); n > 0: a pool of n workers. */
  threads: number[];
  /** Solve every case through this instead of in this runtime (threads must be [0]). */
  remote?: RemoteSolve;
  /** One line per case as it ends. */
  log?: (line: string) => void;
}

export interface SuiteReport {
  passed: number;
  failed: number;
  /** By case name: what each solve returned, for the comparison across runtimes. */
  outcomes: Record<string, Outcome>;
}

export const MODES: HessianMode[] = ["exact", "sketch", "sketch-pcg", "auto"];

// The reference is converged to ||grad|| <= 1e-11. ||grad|| <= 1e-9 bounds ||x - x*|| by 1e-9 / lambda_min
// (lambda_min >= 0.9 on these fixtures: hess_eig_min in reference.json) and the loss error by its
// square over lambda_min: far inside the 1e-6 (x) and 1e-9 (loss, relative) asked of every runtime.
const TOL = 1e-9;

/** Why an outcome fails its fixture, or null when it passes. */
export function verdict(fx: FixtureText, o: Outcome, lossAtX0: number): string | null {
  if (o.status !== "converged") return `status ${o.status}: ${o.message}`;
  if (!(o.gradNorm <= TOL)) return `gradNorm ${o.gradNorm} > ${TOL}`;
  // x* = 0 with loss 0 (rescaled sinh): the reference loss is zero to rounding, so a relative error
  // means nothing and the loss is held against its size at x0.
  if (fx.ref.loss <= 1e-30 * lossAtX0) {
    if (!(o.loss <= 1e-9 * lossAtX0)) return `loss ${o.loss} against ${lossAtX0} at x0`;
  } else {
    const lossError = Math.abs(o.loss - fx.ref.loss) / Math.abs(fx.ref.loss);
    if (!(lossError <= 1e-9)) return `loss ${o.loss} against ${fx.ref.loss} (relative ${lossError})`;
  }
  // Column scales spanning 1e3 determine x only to about cond(H) * ||grad||: the fixtures' README
  // advises comparing the loss and the gradient there.
  if (fx.meta.family === "illcond") return null;
  const distance = Math.hypot(...o.x.map((v, i) => v - fx.ref.x[i]!));
  const refNorm = Math.hypot(...fx.ref.x);
  // Where x* = 0 (regularized cosh, rescaled sinh) the reference x is rounding noise: x is held absolutely.
  if (refNorm <= 1e-8) return distance <= 1e-6 ? null : `||x - x*|| = ${distance}`;
  return distance / refNorm <= 1e-6 ? null : `x relative error ${distance / refNorm}`;
}

function parse(fx: FixtureText) {
  return {
    A: parseMatrixMarket(fx.A),
    b: parseVector(fx.b, "b"),
    w: parseVector(fx.w, "w"),
    x0: parseVector(fx.x0, "x0"),
    f: fx.meta.f,
    problem: fx.meta.problem,
  };
}

function outcomeOf(r: { status: string; message: string; loss: number; gradNorm: number; iterations: number; x: Float64Array; threads: number }): Outcome {
  return { status: r.status, message: r.message, loss: r.loss, gradNorm: r.gradNorm, iterations: r.iterations, x: Array.from(r.x), threads: r.threads };
}

/** The entries where two x differ as bits (Object.is, so -0 differs from 0): "" when none. */
function bitDifferences(a: number[], b: number[]): string {
  const diffs = a.flatMap((v, i) => (Object.is(v, b[i]) ? [] : [`x[${i}] ${v} vs ${b[i]}`]));
  return diffs.length === 0 ? "" : `${diffs.length} of ${a.length} entries differ: ${diffs.slice(0, 3).join(", ")}`;
}

export async function runSuite(fixtures: FixtureText[], options: SuiteOptions): Promise<SuiteReport> {
  const log = options.log ?? (() => {});
  const report: SuiteReport = { passed: 0, failed: 0, outcomes: {} };
  const record = (name: string, why: string | null) => {
    if (why === null) report.passed++;
    else report.failed++;
    log(why === null ? `ok ${name}` : `not ok ${name}: ${why}`);
  };
  if (options.remote !== undefined && options.threads.some((t) => t !== 0)) throw new Error("a remote solve runs in the calling thread of its runtime: threads must be [0]");

  const pools = new Map<number, Pool>();
  try {
    for (const t of options.threads) if (t > 0) pools.set(t, await createPool({ threads: t }));
    for (const fx of fixtures) {
      const p = parse(fx);
      // The loss at x0, in float64: the scale for the fixtures whose minimum is 0.
      const scale = referenceGradient(p, p.x0).loss;
      const models = new Map<number, Model>();
      for (const [t, pool] of pools) models.set(t, await pool.load(p.A));
      for (const hessian of MODES) {
        const solveOptions: SolveOptions = { hessian, x0: Array.from(p.x0), tol: TOL, maxIterations: 300 };
        const byThreads = new Map<number, Outcome>();
        for (const t of options.threads) {
          const name = `${fx.name} ${hessian} threads=${t}`;
          let o: Outcome;
          try {
            if (options.remote !== undefined) {
              const A = { nrows: p.A.nrows, ncols: p.A.ncols, indptr: Array.from(p.A.indptr), indices: Array.from(p.A.indices), data: Array.from(p.A.data) };
              o = await options.remote({ problem: p.problem, f: p.f, A, b: Array.from(p.b), w: Array.from(p.w) }, solveOptions);
            } else if (t === 0) {
              o = outcomeOf(await solve({ problem: p.problem, f: p.f, A: p.A, b: p.b, w: p.w }, { ...solveOptions, x0: p.x0 }));
            } else {
              o = outcomeOf(await models.get(t)!.solve({ problem: p.problem, f: p.f, b: p.b, w: p.w }, { ...solveOptions, x0: p.x0 }));
            }
          } catch (e) {
            record(name, `threw ${e instanceof Error ? `${e.name} ${(e as { code?: string }).code ?? ""}: ${e.message}` : String(e)}`);
            continue;
          }
          report.outcomes[name] = o;
          byThreads.set(t, o);
          record(name, o.threads === t ? verdict(fx, o, scale) : `ran on ${o.threads} threads, asked for ${t}`);
        }
        // Tiling, sketches and the order of sums do not depend on the thread count: the same bits.
        const [first, ...rest] = [...byThreads];
        for (const [t, o] of rest) {
          record(`${fx.name} ${hessian} threads=${first![0]} and ${t} give the same bits`, bitDifferences(first![1].x, o.x) || (Object.is(first![1].loss, o.loss) ? null : `loss ${first![1].loss} vs ${o.loss}`));
        }
      }
      await Promise.all([...models.values()].map((m) => m.dispose()));
    }
  } finally {
    await Promise.all([...pools.values()].map((p) => p.close()));
  }
  return report;
}
