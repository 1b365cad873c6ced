// SPDX-License-Identifier: MIT
// Thread scaling of the worker pool: one pass over A and a whole sketched solve, for each thread
// count, with the CPU time each worker thread used (on a busy machine wall time alone cannot tell
// a slow worker from one that waited for a core), and the pool's per-step overhead against the
// calling thread. `--threads=1,2,4,8,16` sets the counts (default 1,2); `--big` uses nnz >= 1e8.
import { createPool, generateProblem } from "../src/index.js";
import type { Model, Pool, SolveResult } from "../src/index.js";
import { collectGarbage, line, median, quick, raceRounds } from "./lib.js";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const counts = (arg("threads") ?? "1,2").split(",").map(Number);
const big = process.argv.includes("--big");
const rounds = quick ? 3 : 7;

interface Seat {
  threads: number;
  pool: Pool;
  model: Model;
}

async function seats(A: Parameters<Pool["load"]>[0]): Promise<Seat[]> {
  const out: Seat[] = [];
  for (const threads of counts) {
    const pool = await createPool({ threads });
    out.push({ threads, pool, model: await pool.load(A) });
  }
  return out;
}

/** CPU and busy milliseconds per worker between two stats() readings, divided over `runs`. */
function perRun(before: Awaited<ReturnType<Pool["workerStats"]>>, after: typeof before, runs: number) {
  const cpu = after.map((s, i) => (s.cpuMs === null ? NaN : (s.cpuMs - before[i]!.cpuMs!) / runs));
  const busy = after.map((s, i) => (s.busyMs - before[i]!.busyMs) / runs);
  return { cpu, busy };
}

const list = (v: number[]) => `[${v.map((x) => (Number.isNaN(x) ? "?" : x.toFixed(0))).join(",")}]`;

/** Interleaves the seats round by round; returns median wall ms and per-worker CPU/busy per run. */
async function scale(all: Seat[], once: (s: Seat) => Promise<unknown>) {
  for (const s of all) await once(s); // warm-up past tier-up, in every worker
  const times = new Map<number, number[]>(all.map((s) => [s.threads, []]));
  const before = await Promise.all(all.map((s) => s.pool.workerStats()));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < all.length; i++) {
      const s = all[(i + r) % all.length]!;
      collectGarbage();
      const t0 = performance.now();
      await once(s);
      times.get(s.threads)!.push(performance.now() - t0);
    }
  }
  const after = await Promise.all(all.map((s) => s.pool.workerStats()));
  return all.map((s, i) => ({ threads: s.threads, ms: median(times.get(s.threads)!), ...perRun(before[i]!, after[i]!, rounds) }));
}

// One pass over A: an evaluation (A x, the weights and A^T r), on a sparse matrix with nnz >= 2e7.
{
  const nrows = big ? 5_000_000 : quick ? 500_000 : 1_000_000;
  const { A, b, w, f } = generateProblem({ family: "sparse", nrows, ncols: 200, rowNnz: 20, f: "exp", seed: 3 });
  const nnz = A.indptr[A.nrows]!;
  const all = await seats(A);
  const x = new Float64Array(A.ncols).fill(1e-3);
  for (const s of all) {
    const engine = s.model.engine();
    await engine.setProblem(0, b, Float64Array.from({ length: A.nrows }, (_, i) => (typeof w === "number" ? w * w : w[i]! ** 2)));
    await engine.evaluate(new Float64Array(A.ncols));
  }
  const results = await scale(all, (s) => s.model.engine().evaluate(x));
  const ms1 = results.find((r) => r.threads === counts[0])!.ms;
  for (const r of results) {
    const busiest = Math.max(...r.busy);
    line({
      case: `pass over A ${A.nrows}x${A.ncols} nnz=${nnz} ${f}`,
      threads: r.threads,
      ms: r.ms,
      speedup: ms1 / r.ms,
      worker_cpu_ms: list(r.cpu),
      worker_busy_ms: list(r.busy),
      // Time a pass spends outside the busiest worker's request: messages, copies, reduction.
      overhead: `${(100 * Math.max(0, 1 - busiest / r.ms)).toFixed(1)}%`,
    });
  }
  await Promise.all(all.map((s) => s.pool.close()));
}

// A whole sketched solve (sketch-pcg) to the default tolerance.
{
  const nrows = big ? 500_000 : quick ? 50_000 : 100_000;
  const { A, b, w, f } = generateProblem({ family: "gauss", nrows, ncols: 200, f: "exp", seed: 1 });
  const nnz = A.indptr[A.nrows]!;
  const all = await seats(A);
  const last = new Map<number, SolveResult>();
  const results = await scale(all, async (s) => last.set(s.threads, await s.model.solve({ f, b, w }, { hessian: "sketch-pcg" })));
  const ms1 = results.find((r) => r.threads === counts[0])!.ms;
  const first = last.get(counts[0]!)!;
  for (const r of results) {
    const res = last.get(r.threads)!;
    const same = res.x.every((v, i) => Object.is(v, first.x[i]));
    line({
      case: `solve sketch-pcg ${A.nrows}x${A.ncols} nnz=${nnz} ${f}`,
      threads: r.threads,
      status: res.status === "converged" && same ? "converged,same-bits" : `FAILED(${res.status}, same bits: ${same})`,
      ms: r.ms,
      speedup: ms1 / r.ms,
      iterations: res.iterations,
      worker_cpu_ms: list(r.cpu),
    });
  }
  await Promise.all(all.map((s) => s.pool.close()));
}

// The pool's overhead: solves with one worker against the calling thread, both with A resident (a
// threads: 0 pool), same bits, nnz >= 1e6. A solve in the worker pays once for its request, the copy
// of b and w^2 and the result's way back, and per step for the hand-over of every pass's partials.
// Both run the same Newton loop, whose history times every step where it runs: the steps' sum
// compared between the two is the per-step overhead, and what the wall time adds to it is the
// per-solve cost.
for (const nrows of quick ? [25_000] : [25_000, 50_000, 250_000]) {
  const { A, b, w, f } = generateProblem({ family: "gauss", nrows, ncols: 40, f: "exp", seed: 5 });
  const nnz = A.indptr[A.nrows]!;
  const pools = await Promise.all([createPool({ threads: 0 }), createPool({ threads: 1 })]);
  const [here, worker] = await Promise.all(pools.map((p) => p.load(A)));
  for (const hessian of ["exact", "sketch-pcg"] as const) {
    const reference = await here!.solve({ f, b, w }, { hessian });
    const seats = [["calling thread", here!], ["1 worker", worker!]] as const;
    const stepsMs = new Map<string, number[]>(seats.map(([who]) => [who, []]));
    const last = new Map<string, SolveResult>();
    const contenders = seats.map(([who, model]) => ({
      name: who,
      run: async () => {
        const r = await model.solve({ f, b, w }, { hessian });
        last.set(who, r);
        stepsMs.get(who)!.push(r.history.slice(1).reduce((sum, h) => sum + h.ms, 0));
      },
    }));
    // Short solves on a shared machine: many rounds, and every ratio taken within one round.
    const paired = quick ? 5 : 31;
    const wall = await raceRounds(contenders, paired);
    for (const [who, r] of last) if (!r.x.every((v, i) => Object.is(v, reference.x[i]))) throw new Error(`${who} ${hessian}: x differs`);
    const wallMs = (who: string) => wall.get(who)!;
    // stepsMs also holds the warm-up rounds, first.
    const stepMs = (who: string) => stepsMs.get(who)!.slice(-paired);
    const perRound = (fn: (i: number) => number) => median(Array.from({ length: paired }, (_, i) => fn(i)));
    const overhead = (ms: (who: string) => number[]) => `${(100 * (perRound((i) => ms("1 worker")[i]! / ms("calling thread")[i]!) - 1)).toFixed(1)}%`;
    const outsideSteps = (who: string, i: number) => wallMs(who)[i]! - stepMs(who)[i]!;
    line({
      case: `pool overhead ${A.nrows}x${A.ncols} nnz=${nnz} ${hessian}`,
      steps: reference.iterations,
      calling_thread_ms: median(wallMs("calling thread")),
      one_worker_ms: median(wallMs("1 worker")),
      solve_overhead: overhead(wallMs),
      step_ms: seats.map(([who]) => (median(stepMs(who)) / reference.iterations).toFixed(2)).join("/"),
      step_overhead: overhead(stepMs),
      per_solve_ms: perRound((i) => outsideSteps("1 worker", i) - outsideSteps("calling thread", i)),
    });
  }
  await Promise.all(pools.map((p) => p.close()));
}
