// SPDX-License-Identifier: MIT
// Faults and load on the worker pool. A worker killed mid-solve, a worker that fails to load (at
// the start or as a replacement), a WebAssembly trap, every fault kind at a seeded random request,
// and aborts and close() at seeded random moments: each rejects with its typed error within a
// second, leaves the pool usable (the next solve gives the reference bits, liveWorkers equals the
// thread count) and leaks no worker thread (counted from /proc/self/task, where there is one).
// Then load: 1000 back-to-back solves and 50 concurrent ones on one pool, all with the reference
// bits, with the heap and the worker count flat.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import { test } from "./uvu.js";
import * as assert from "uvu/assert";
import { createPool, generateProblem, HyperregError, HyperregRangeError, solve } from "../src/index.js";
import type { CsrMatrix, Model, Pool, SolveOptions, SolveResult } from "../src/index.js";
import { loadFixture, relativeError } from "./helpers.js";
import { assertValidResult, Random } from "./oracle.js";

/** The promised bound from a fault (or its trigger) to the rejection; the measured times are printed. */
const WITHIN_MS = 1000;
const THREADS = 2;

const latencies: Record<string, number[]> = {};
function record(kind: string, ms: number): void {
  (latencies[kind] ??= []).push(ms);
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/** Settles a promise into its value or its error, with the time it took from `since`. */
async function outcome<T>(p: Promise<T>, since: number): Promise<{ value?: T; error?: unknown; ms: number }> {
  try {
    const value = await p;
    return { value, ms: performance.now() - since };
  } catch (error) {
    return { error, ms: performance.now() - since };
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** OS threads of this process (each Node worker is one), or null where /proc does not tell. */
function osThreads(): number | null {
  return existsSync("/proc/self/task") ? readdirSync("/proc/self/task").length : null;
}

let baseThreads: number | null = null;

/** Fails unless this process runs exactly `workers` worker threads beyond its own, once exits settle. */
async function assertWorkerThreads(workers: number, what: string): Promise<void> {
  if (baseThreads === null) return;
  let now = osThreads()!;
  // A terminated worker's thread exits a little after its exit event.
  for (let i = 0; i < 100 && now !== baseThreads + workers; i++) {
    await delay(20);
    now = osThreads()!;
  }
  assert.is(now - baseThreads, workers, `${what}: ${now - baseThreads} worker threads, expected ${workers}`);
}

function assertCode(e: unknown, code: string, what: string): void {
  if (e === undefined) assert.unreachable(`${what}: resolved, where ${code} was due`);
  assert.instance(e, HyperregError, `${what}: ${String(e)}`);
  assert.is((e as HyperregError).code, code, `${what}: ${(e as Error).message}`);
}

/** A problem whose pooled solve takes ~100 ms in a few Newton steps, so a random moment lands inside it. */
const mid = generateProblem({ family: "gauss", nrows: 20000, ncols: 40, f: "exp", seed: 4 });
const midProblem = { f: "exp" as const, b: mid.b, w: mid.w };
const midOptions: SolveOptions = { hessian: "exact" };
/** A solve that never converges (tol below any gradient): only an abort, a fault or close() ends it. */
const endless: SolveOptions = { hessian: "sketch", eps: 0.9, lineSearch: false, tol: 1e-300, maxIterations: 1e6 };

let reference: SolveResult;

test("setup: the reference solve, checked, and the process's own thread count", async () => {
  // Warm up what starts threads lazily (a pool, the kernel compilation), then count.
  const warm = await createPool({ threads: 1 });
  await warm.close();
  await delay(100);
  baseThreads = osThreads();
  reference = await solve({ ...midProblem, A: mid.A }, midOptions);
  assertValidResult(reference, { f: "exp", A: mid.A, b: mid.b, w: mid.w }, "reference");
  assert.is(reference.status, "converged");
});

/**
 * The pool answers with the reference bits, with every worker alive and no thread left over. With
 * `diedLate`, a worker may have died after the last solve ended and before the pool heard of it:
 * then this solve is the one that learns of it (ERR_WORKER_CRASHED, as the README says), and the
 * one after it must be whole.
 */
async function assertHealthy(pool: Pool, model: Model, what: string, diedLate = false): Promise<void> {
  let r: SolveResult;
  try {
    r = await model.solve(midProblem, midOptions);
  } catch (e) {
    if (!diedLate) throw e;
    assertCode(e, "ERR_WORKER_CRASHED", `${what}, the solve that learns of the death`);
    r = await model.solve(midProblem, midOptions);
  }
  assert.ok(sameBits(r.x, reference.x), `${what}: the next solve differs from the reference`);
  assert.is(pool.liveWorkers, THREADS, `${what}: ${pool.liveWorkers} live workers`);
  await assertWorkerThreads(THREADS, what);
}

test("a worker killed from outside at a random moment mid-solve: ERR_WORKER_CRASHED within a second, then the reference bits", async () => {
  const rand = new Random(2024);
  const pool = await createPool({ threads: THREADS });
  try {
    const model = await pool.load(mid.A);
    const t0 = performance.now();
    await model.solve(midProblem, midOptions);
    const solveMs = performance.now() - t0;
    let midSolve = 0;
    const ROUNDS = 30;
    for (let round = 0; round < ROUNDS; round++) {
      const victim = rand.int(0, THREADS - 1);
      const running = model.solve(midProblem, midOptions);
      await delay(rand.next() * solveMs);
      const killedAt = performance.now();
      pool.terminateWorker(victim);
      const o = await outcome(running, killedAt);
      if (o.error === undefined) {
        // The solve ended before the kill landed: it must be the reference.
        assert.ok(sameBits(o.value!.x, reference.x), `round ${round}: finished, but differs`);
        await assertHealthy(pool, model, `round ${round}`, true);
        continue;
      } else {
        assertCode(o.error, "ERR_WORKER_CRASHED", `round ${round}`);
        assert.match((o.error as Error).message, `worker ${victim}`);
        assert.ok(o.ms < WITHIN_MS, `round ${round}: rejected ${o.ms.toFixed(0)} ms after the kill`);
        record("worker killed mid-solve", o.ms);
        midSolve++;
      }
      await assertHealthy(pool, model, `round ${round}`);
    }
    // Most kills must land inside a solve, or this tested little.
    assert.ok(midSolve >= ROUNDS / 2, `only ${midSolve} of ${ROUNDS} kills landed mid-solve`);
  } finally {
    await pool.close();
  }
  await assertWorkerThreads(0, "after close");
});

test("a Wasm trap in a worker's kernel: ERR_WORKER_CRASHED with the trap's message within a second; the worker is replaced", async () => {
  const pool = await createPool({ threads: THREADS });
  try {
    const model = await pool.load(mid.A);
    await assertHealthy(pool, model, "before");
    for (const worker of [0, 1]) {
      for (const after of [1, 3, 6]) {
        await pool.armFault(worker, "trap", after);
        const t0 = performance.now();
        const o = await outcome(model.solve(midProblem, midOptions), t0);
        assertCode(o.error, "ERR_WORKER_CRASHED", `trap on worker ${worker} after ${after}`);
        // The worker's own message: V8 says "memory access out of bounds".
        assert.match((o.error as Error).message, /out of bounds/);
        assert.ok(o.ms < WITHIN_MS, `rejected after ${o.ms.toFixed(0)} ms`);
        record("Wasm trap", o.ms);
        await assertHealthy(pool, model, `after a trap on worker ${worker}`);
      }
    }
  } finally {
    await pool.close();
  }
  await assertWorkerThreads(0, "after close");
});

test("every fault kind at a seeded random request of a solve: the promised error within a second, then the reference bits", async () => {
  const rand = new Random(99);
  const pool = await createPool({ threads: THREADS });
  try {
    const model = await pool.load(mid.A);
    await assertHealthy(pool, model, "before");
    // Requests each worker serves in one solve: a fault armed for the k-th coming one (k within this) fires inside the next solve.
    const before = await pool.workerStats();
    await model.solve(midProblem, midOptions);
    const perSolve = (await pool.workerStats()).map((s, i) => s.calls - before[i]!.calls);
    assert.ok(perSolve.every((c) => c >= 3), JSON.stringify(perSolve));
    const ROUNDS = 40;
    for (let round = 0; round < ROUNDS; round++) {
      const kind = rand.pick(["throw", "typed", "exit", "uncaught", "trap"] as const);
      const worker = rand.int(0, THREADS - 1);
      const after = rand.int(1, perSolve[worker]!);
      await pool.armFault(worker, kind, after);
      const t0 = performance.now();
      const o = await outcome(model.solve(midProblem, midOptions), t0);
      const what = `round ${round}: ${kind} on worker ${worker} at request ${after}`;
      if (kind === "typed") {
        // A typed error is the worker's answer, not a crash: it arrives whole and the worker stays.
        assert.instance(o.error, HyperregRangeError, what);
        assert.is((o.error as HyperregRangeError).code, "ERR_INVALID_VALUE");
      } else if (kind === "uncaught" && o.error === undefined) {
        // Thrown from a timer after the request answered: on the last request the solve can finish first.
        assert.ok(sameBits(o.value!.x, reference.x), `${what}: finished, but differs`);
      } else {
        assertCode(o.error, "ERR_WORKER_CRASHED", what);
        assert.match((o.error as Error).message, `worker ${worker}`);
      }
      if (o.error !== undefined) {
        assert.ok(o.ms < WITHIN_MS, `${what}: rejected after ${o.ms.toFixed(0)} ms`);
        record(`fault ${kind}`, o.ms);
      }
      await assertHealthy(pool, model, what, kind === "uncaught" && o.error === undefined);
    }
  } finally {
    await pool.close();
  }
  await assertWorkerThreads(0, "after close");
});

test("a worker script that fails to load, at the start or as a replacement: ERR_WORKER_CRASHED within a second, nothing left running", async () => {
  const dir = mkdtempSync(`${tmpdir()}/hyperreg-reliability-`);
  try {
    const throwing = pathToFileURL(`${dir}/throws.mjs`);
    writeFileSync(throwing, 'throw new Error("this worker cannot load");\n');
    for (const url of [throwing, new URL("./no-such-worker.js", import.meta.url)]) {
      const t0 = performance.now();
      const o = await outcome(createPool({ threads: THREADS, workerUrl: url }), t0);
      assertCode(o.error, "ERR_WORKER_CRASHED", url.href);
      assert.ok(o.ms < WITHIN_MS, `${url.href}: rejected after ${o.ms.toFixed(0)} ms`);
      record("worker fails to load (createPool)", o.ms);
      await assertWorkerThreads(0, url.href);
    }

    // The real worker behind a switch: while the flag file exists, a new worker fails on import.
    const flag = `${dir}/broken`;
    const real = new URL("./blocks.worker.js", import.meta.url).href;
    const switched = pathToFileURL(`${dir}/switched.mjs`);
    writeFileSync(switched, `import { existsSync } from "node:fs";\nif (existsSync(${JSON.stringify(flag)})) throw new Error("the replacement cannot load");\nawait import(${JSON.stringify(real)});\n`);
    const pool = await createPool({ threads: THREADS, workerUrl: switched });
    try {
      const model = await pool.load(mid.A);
      await assertHealthy(pool, model, "with the real worker behind the switch");
      writeFileSync(flag, "");
      await pool.armFault(1, "exit", 1);
      assertCode((await outcome(model.solve(midProblem, midOptions), performance.now())).error, "ERR_WORKER_CRASHED", "the exit");
      // Worker 1 is dead; its replacement fails to load.
      const t0 = performance.now();
      const o = await outcome(model.solve(midProblem, midOptions), t0);
      assertCode(o.error, "ERR_WORKER_CRASHED", "the replacement");
      assert.match((o.error as Error).message, /cannot load/);
      assert.ok(o.ms < WITHIN_MS, `rejected after ${o.ms.toFixed(0)} ms`);
      record("replacement fails to load", o.ms);
      await assertWorkerThreads(1, "with a replacement that failed");
      rmSync(flag);
      await assertHealthy(pool, model, "once the replacement loads again");
    } finally {
      await pool.close();
    }
    await assertWorkerThreads(0, "after close");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("abort at a seeded random moment: ERR_ABORTED within a second, in the calling thread, on a pool and with solve({ threads })", async () => {
  const rand = new Random(7);
  const pool = await createPool({ threads: THREADS });
  try {
    const model = await pool.load(mid.A);
    await assertHealthy(pool, model, "before");
    const runners: [string, (signal: AbortSignal) => Promise<SolveResult>][] = [
      ["pool", (signal) => model.solve(midProblem, { ...endless, signal })],
      // Bounded, so that a solve deaf to its signal ends (as max-iterations, failing) instead of spinning.
      ["calling thread", (signal) => solve({ ...midProblem, A: mid.A }, { ...endless, maxIterations: 1000, signal })],
      ["solve with threads", (signal) => solve({ ...midProblem, A: mid.A }, { ...endless, signal, threads: THREADS })],
    ];
    for (let round = 0; round < 45; round++) {
      const [where, run] = runners[round % runners.length]!;
      const controller = new AbortController();
      const running = run(controller.signal);
      // Up to 300 ms: inside loading, the first evaluation, or any Newton step.
      await delay(rand.next() * 300);
      const abortedAt = performance.now();
      controller.abort();
      const o = await outcome(running, abortedAt);
      assertCode(o.error, "ERR_ABORTED", `round ${round} (${where})`);
      assert.ok(o.ms < WITHIN_MS, `round ${round} (${where}): rejected ${o.ms.toFixed(0)} ms after abort()`);
      record(`abort (${where})`, o.ms);
      await assertHealthy(pool, model, `round ${round} (${where})`);
    }
    // A signal aborted before the call rejects without starting.
    const gone = new AbortController();
    gone.abort();
    assertCode((await outcome(model.solve(midProblem, { signal: gone.signal }), 0)).error, "ERR_ABORTED", "aborted before");
  } finally {
    await pool.close();
  }
  await assertWorkerThreads(0, "after close");
});

test("close() at a seeded random moment: the solve in flight rejects with ERR_ABORTED within a second, and every worker ends", async () => {
  const rand = new Random(11);
  for (let round = 0; round < 10; round++) {
    const pool = await createPool({ threads: THREADS });
    const model = await pool.load(mid.A);
    const running = model.solve(midProblem, endless);
    await delay(rand.next() * 200);
    const closedAt = performance.now();
    await pool.close();
    const o = await outcome(running, closedAt);
    assertCode(o.error, "ERR_ABORTED", `round ${round}`);
    assert.ok(o.ms < WITHIN_MS, `round ${round}: rejected ${o.ms.toFixed(0)} ms after close()`);
    record("close() mid-solve", o.ms);
    await assertWorkerThreads(0, `round ${round}`);
    assertCode((await outcome(model.solve(midProblem, midOptions), 0)).error, "ERR_ABORTED", "a solve after close()");
  }
});

/** The main thread's heap once collectable garbage is gone (Comlink frees proxies from finalizers, a turn later). */
async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc !== undefined, "the test runner starts Node with --expose-gc");
  for (let i = 0; i < 4; i++) {
    gc();
    await delay(10);
  }
  gc();
  return process.memoryUsage().heapUsed;
}

test("1000 back-to-back solves on one pool: every one the reference bits, heap and workers flat", async () => {
  const fx = loadFixture("reg-exp-sparse");
  const pool = await createPool({ threads: THREADS });
  try {
    const model = await pool.load(fx.A, { blockNnz: 400 });
    const problem = { f: fx.f, b: fx.b, w: fx.w };
    const modes = ["exact", "sketch-pcg"] as const;
    const first = await Promise.all(modes.map((hessian) => model.solve(problem, { x0: fx.x0, hessian })));
    for (const r of first) {
      assertValidResult(r, { f: fx.f, A: fx.A, b: fx.b, w: fx.w }, "first");
      assert.ok(relativeError(r.x, fx.ref.x) <= 1e-6, "the first solve is off the scipy reference");
    }
    let heapAt100 = 0;
    let rssAt100 = 0;
    for (let i = 0; i < 1000; i++) {
      const k = i % modes.length;
      const r = await model.solve(problem, { x0: fx.x0, hessian: modes[k]! });
      if (!sameBits(r.x, first[k]!.x)) assert.unreachable(`solve ${i} differs from the first`);
      if (i === 99) {
        heapAt100 = await settledHeap();
        rssAt100 = process.memoryUsage().rss;
        assert.is(pool.liveWorkers, THREADS);
      }
    }
    const grown = (await settledHeap()) - heapAt100;
    const rssGrown = process.memoryUsage().rss - rssAt100;
    // 900 results (x, history of ~6 entries, timings: ~2 KB each) are garbage by now: a leak of a
    // result, a request's closures or a partial per solve would pass 1 MiB.
    assert.ok(grown < 1 << 20, `the heap grew by ${(grown / 1024).toFixed(0)} KiB over solves 100-1000`);
    assert.is(pool.liveWorkers, THREADS);
    await assertWorkerThreads(THREADS, "after 1000 solves");
    console.log(`# load: 1000 back-to-back solves: heap ${(grown / 1024).toFixed(0)} KiB, RSS ${(rssGrown / 2 ** 20).toFixed(1)} MiB from solve 100 to 1000; ${pool.liveWorkers} workers`);
  } finally {
    await pool.close();
  }
  await assertWorkerThreads(0, "after close");
});

test("50 concurrent solves on one pool, five models: every one the bits of its sequential run, heap and workers flat", async () => {
  const names = ["reg-exp-gauss", "reg-exp-sparse", "reg-sinh-sparse", "res-exp-gauss", "reg-exp-tiny"];
  const fixtures = names.map(loadFixture);
  const pool = await createPool({ threads: THREADS });
  try {
    const models = await Promise.all(fixtures.map((fx) => pool.load(fx.A, { blockNnz: 1000 })));
    const modes = ["exact", "sketch", "sketch-pcg", "auto"] as const;
    const jobs = Array.from({ length: 50 }, (_, j) => {
      const m = j % models.length;
      const fx = fixtures[m]!;
      const scale = 1 + 0.01 * Math.floor(j / models.length);
      return { m, problem: { problem: fx.problem, f: fx.f, b: fx.b.map((v) => v * scale), w: fx.w }, options: { x0: fx.x0, hessian: modes[j % modes.length]!, seed: j } };
    });
    // Sequentially in the calling thread, with the same tiling: the bits every thread count must give.
    const sequential: SolveResult[] = [];
    for (const job of jobs) {
      const fx = fixtures[job.m]!;
      const r = await solve({ ...job.problem, A: fx.A as CsrMatrix }, { ...job.options, blockNnz: 1000 });
      assertValidResult(r, { ...job.problem, A: fx.A }, `job ${sequential.length}`);
      sequential.push(r);
    }
    const heapBefore = await settledHeap();
    for (let round = 0; round < 3; round++) {
      const together = await Promise.all(jobs.map((job) => models[job.m]!.solve(job.problem, job.options)));
      together.forEach((r, j) => {
        if (!sameBits(r.x, sequential[j]!.x)) assert.unreachable(`round ${round}, job ${j} differs from its sequential run`);
      });
      assert.is(pool.liveWorkers, THREADS);
    }
    const grown = (await settledHeap()) - heapBefore;
    // 150 results are garbage by now; leaked queues or requests of 50 solves would pass 1 MiB.
    assert.ok(grown < 1 << 20, `the heap grew by ${(grown / 1024).toFixed(0)} KiB over 150 concurrent solves`);
    await assertWorkerThreads(THREADS, "after the concurrent solves");
    console.log(`# load: 3 x 50 concurrent solves on ${models.length} models: heap ${(grown / 1024).toFixed(0)} KiB; ${pool.liveWorkers} workers`);
  } finally {
    await pool.close();
  }
  await assertWorkerThreads(0, "after close");
});

test("report the fault latencies", () => {
  for (const [kind, ms] of Object.entries(latencies)) {
    const sorted = [...ms].sort((a, b) => a - b);
    console.log(`# ${kind}: ${ms.length} rejections, median ${sorted[sorted.length >> 1]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`);
  }
  assert.ok(Object.keys(latencies).length >= 8);
});

test.run();
