// SPDX-License-Identifier: MIT
// The worker pool: the same bits for every thread count, faults that reject instead of hanging,
// aborts, concurrent solves, a flat heap over many solves, and a process that exits after close().
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import { test } from "./uvu.js";
import * as assert from "uvu/assert";
import { createPool, generateProblem, HyperregError, HyperregRangeError, sensitivity, solve } from "../src/index.js";
import type { HessianMode, IterationInfo, SolveResult } from "../src/index.js";
import { BlockSet } from "../src/engine/blockset.js";
import { problemSlices } from "../src/engine/engine.js";
import { sliceRows } from "../src/engine/local.js";
import { tileRows } from "../src/engine/tiling.js";
import { newKernels } from "../src/kernel-module.js";
import { F_CODE } from "../src/kernels.js";
import { loadFixture, relativeError } from "./helpers.js";

const MODES: HessianMode[] = ["exact", "sketch", "sketch-pcg", "auto"];
const THREADS = [1, 2, 3, 4, 8];
// Small blocks, so that every fixture is cut into 10-20 blocks and 8 threads all hold some.
const CASES = [
  { name: "reg-exp-medium", blockNnz: 4000 },
  { name: "reg-exp-gauss", blockNnz: 1500 },
  { name: "reg-exp-nonconvex", blockNnz: 400 },
  { name: "reg-sinh-sparse", blockNnz: 400 },
  { name: "res-exp-gauss", blockNnz: 1500 },
  { name: "res-exp-powerlaw", blockNnz: 4000 },
  { name: "res-sinh-sparse", blockNnz: 400 },
];

/** Everything in the history but wall times. */
const trace = (h: IterationInfo[]) => h.map(({ ms: _ms, ...rest }) => rest);

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the promise to reject");
}

test("x, loss and history are bit-identical for threads 1, 2, 3, 4, 8 and the calling thread, in every Hessian mode, for both problems", async () => {
  // Solves inside the workers (shared memory), and for 2 and 3 threads also pass by pass from this thread.
  const SEATS = [...THREADS.map((threads) => ({ threads, sharedMemory: true })), { threads: 2, sharedMemory: false }, { threads: 3, sharedMemory: false }];
  const pools = await Promise.all(SEATS.map((o) => createPool(o)));
  try {
    for (const { name, blockNnz } of CASES) {
      const fx = loadFixture(name);
      const models = await Promise.all(pools.map((p) => p.load(fx.A, { blockNnz })));
      for (const hessian of MODES) {
        const options = { hessian, x0: fx.x0, seed: 7, tol: 1e-9 };
        const base = await solve({ problem: fx.problem, f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { ...options, blockNnz });
        assert.is(base.threads, 0);
        assert.is(base.status, "converged", `${name} ${hessian}: ${base.message}`);
        // Relative to ||x*||, absolute where x* = 0 (res-sinh).
        assert.ok(relativeError(base.x, fx.ref.x) <= 1e-6, `${name} ${hessian}: x differs from the reference`);
        for (const [i, model] of models.entries()) {
          const r = await model.solve({ problem: fx.problem, f: fx.f, b: fx.b, w: fx.w }, options);
          const what = `${name} ${hessian} threads ${SEATS[i]!.threads}${SEATS[i]!.sharedMemory ? "" : " pass by pass"}`;
          assert.is(r.threads, SEATS[i]!.threads);
          assert.ok(sameBits(r.x, base.x), `${what}: x differs from the calling thread's`);
          assert.ok(Object.is(r.loss, base.loss), `${what}: loss ${r.loss} vs ${base.loss}`);
          assert.equal(trace(r.history), trace(base.history), `${what}: history differs`);
        }
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
});

test("with d >= 96 the d x d factorizations run in a worker and give the calling thread's bits", async () => {
  // 120 columns: past the size where DenseWork sends Cholesky and sketch Grams to a worker.
  const p = generateProblem({ family: "gauss", nrows: 3000, ncols: 120, f: "exp", seed: 9 });
  for (const hessian of ["exact", "sketch", "sketch-pcg"] as const) {
    const options = { hessian, seed: 3, blockNnz: 40000 };
    const base = await solve(p, options);
    const r = await solve(p, { ...options, threads: 2 });
    assert.is(base.status, "converged", base.message);
    assert.ok(sameBits(r.x, base.x), `${hessian}: x differs`);
    assert.equal(trace(r.history), trace(base.history));
  }
});


test("A, b and w^2 reach a worker in pieces when its share is long, with the calling thread's bits", async () => {
  // 700000 rows of 3 on one worker, blockNnz 200000: 11 blocks of about 66700 rows. Each block loads
  // in two pieces (at most 2^17 nonzeros a request), and b and w^2 go a block a request (at most 2^16
  // rows), so both paths put pieces together in the worker.
  const p = generateProblem({ family: "sparse", nrows: 700_000, ncols: 6, rowNnz: 3, f: "exp", seed: 2 });
  for (const problem of ["regularized", "rescaled"] as const) {
    const options = { hessian: "exact" as const, blockNnz: 200_000 };
    const base = await solve({ ...p, problem }, options);
    const r = await solve({ ...p, problem }, { ...options, threads: 1 });
    assert.is(base.status, "converged", base.message);
    assert.ok(sameBits(r.x, base.x), `${problem}: x differs`);
    assert.equal(trace(r.history), trace(base.history));
  }
});
test("a worker copies partials into the buffers handed back from its last pass, with the same bits", async () => {
  const fx = loadFixture("reg-exp-gauss");
  const blocks = tileRows(fx.A, 1500);
  assert.ok(blocks.length >= 5, "several blocks");
  const set = new BlockSet(await newKernels(), fx.A.ncols, blocks.map((blk) => sliceRows(fx.A, blk)));
  const w2 = fx.w.map((v) => v * v);
  set.setProblem(F_CODE[fx.f], problemSlices(blocks, fx.b, w2));
  set.evaluate(fx.x0);
  const first = set.exactGram(false);
  const bits = first.map((g) => g.slice());
  set.recycle(first.map((g) => g.buffer as ArrayBuffer));
  const second = set.exactGram(false);
  const handedBack = new Set(first.map((g) => g.buffer));
  assert.ok(second.every((g) => handedBack.has(g.buffer)), "every partial in a handed-back buffer");
  second.forEach((g, i) => assert.ok(sameBits(g, bits[i]!), `block ${i}: the same bits`));
  // Nothing handed back: fresh buffers, the same bits again.
  const third = set.exactGram(false);
  assert.ok(third.every((g) => !handedBack.has(g.buffer)), "fresh buffers");
  third.forEach((g, i) => assert.ok(sameBits(g, bits[i]!), `block ${i}: the same bits from a fresh buffer`));
});

test("sensitivity of a pooled result factors in the workers and equals the calling thread's, bit for bit", async () => {
  const fx = loadFixture("res-exp-sparse");
  const problem = { problem: fx.problem, f: fx.f, b: fx.b, w: fx.w };
  const db = fx.b.map((v, i) => 1e-6 * v * Math.sin(i));
  const here = await sensitivity(await solve({ ...problem, A: fx.A }, { x0: fx.x0, blockNnz: 400 }), db);
  const pool = await createPool({ threads: 2 });
  try {
    const model = await pool.load(fx.A, { blockNnz: 400 });
    const r = await model.solve(problem, { x0: fx.x0 });
    const there = await sensitivity(r, db);
    assert.is(there.status, "ok");
    assert.ok(sameBits(there.dx, here.dx));
    assert.ok(Object.is(there.bound, here.bound));
    // After close() the Hessian is factored in the calling thread instead, to the same bits.
    await pool.close();
    assert.ok(sameBits((await sensitivity(r, db)).dx, here.dx));
  } finally {
    await pool.close();
  }
});

test("solve with threads uses workers for one call and gives the calling thread's bits", async () => {
  const fx = loadFixture("reg-exp-gauss");
  const problem = { f: fx.f, A: fx.A, b: fx.b, w: fx.w };
  const base = await solve(problem, { hessian: "sketch-pcg", x0: fx.x0, blockNnz: 1500 });
  const r = await solve(problem, { hessian: "sketch-pcg", x0: fx.x0, blockNnz: 1500, threads: 3 });
  assert.is(r.threads, 3);
  assert.ok(sameBits(r.x, base.x));
});

for (const kind of ["throw", "exit", "uncaught"] as const) {
  test(`a worker that fails (${kind}) rejects the solve with ERR_WORKER_CRASHED within a second, and the next solve is correct`, async () => {
    const fx = loadFixture("reg-exp-gauss");
    const pool = await createPool({ threads: 2 });
    try {
      const model = await pool.load(fx.A, { blockNnz: 1500 });
      const problem = { f: fx.f, b: fx.b, w: fx.w };
      const good = await model.solve(problem, { hessian: "exact", x0: fx.x0 });
      await pool.armFault(1, kind, 3);
      const t0 = performance.now();
      const e = await rejection(model.solve(problem, { hessian: "exact", x0: fx.x0 }));
      const ms = performance.now() - t0;
      assert.instance(e, HyperregError);
      assert.is((e as HyperregError).code, "ERR_WORKER_CRASHED");
      assert.match((e as Error).message, /worker 1/);
      assert.ok(ms < 1000, `rejected after ${ms.toFixed(0)} ms`);
      const again = await model.solve(problem, { hessian: "exact", x0: fx.x0 });
      assert.is(pool.liveWorkers, 2);
      assert.ok(sameBits(again.x, good.x), "the solve after the crash differs");
    } finally {
      await pool.close();
    }
  });
}

test("a typed error thrown in a worker arrives with its class, code and details, and the worker stays", async () => {
  const fx = loadFixture("reg-exp-tiny");
  const pool = await createPool({ threads: 2 });
  try {
    const model = await pool.load(fx.A, { blockNnz: 50 });
    await pool.armFault(0, "typed", 2);
    const e = await rejection(model.solve({ f: fx.f, b: fx.b, w: fx.w }));
    assert.instance(e, HyperregRangeError);
    assert.is((e as HyperregRangeError).code, "ERR_INVALID_VALUE");
    assert.is((e as HyperregRangeError).details.argument, "fault");
    assert.is(pool.liveWorkers, 2);
    const r = await model.solve({ f: fx.f, b: fx.b, w: fx.w }, { x0: fx.x0 });
    assert.is(r.status, "converged");
  } finally {
    await pool.close();
  }
});

test("a worker script that cannot load rejects createPool with ERR_WORKER_CRASHED", async () => {
  const e = await rejection(createPool({ threads: 2, workerUrl: new URL("./no-such-worker.js", import.meta.url) }));
  assert.instance(e, HyperregError);
  assert.is((e as HyperregError).code, "ERR_WORKER_CRASHED");
});

test("a worker script that loads but never answers the handshake is given up after startTimeoutMs", async () => {
  const dir = mkdtempSync(`${tmpdir()}/hyperreg-pool-`);
  // Alive (a timer keeps it running), but not the worker entry: it never answers.
  writeFileSync(`${dir}/silent.mjs`, "setInterval(() => {}, 1000);\n");
  const t0 = performance.now();
  const e = await rejection(createPool({ threads: 2, workerUrl: pathToFileURL(`${dir}/silent.mjs`), startTimeoutMs: 300 }));
  const ms = performance.now() - t0;
  assert.instance(e, HyperregError);
  assert.is((e as HyperregError).code, "ERR_WORKER_CRASHED");
  assert.match((e as Error).message, /handshake within 300 ms/);
  assert.ok(ms < 2000, `gave up after ${ms.toFixed(0)} ms`);
});

test("abort stops a long pooled solve within one Newton step", async () => {
  const p = generateProblem({ family: "gauss", nrows: 20000, ncols: 40, f: "exp", seed: 4 });
  const pool = await createPool({ threads: 2 });
  try {
    const model = await pool.load(p.A);
    const controller = new AbortController();
    const seen: number[] = [];
    const e = await rejection(
      model.solve(
        { f: "exp", b: p.b, w: p.w },
        {
          hessian: "sketch",
          eps: 0.9,
          lineSearch: false,
          tol: 1e-300,
          maxIterations: 1000,
          signal: controller.signal,
          onIteration: (info) => {
            seen.push(info.iteration);
            if (info.iteration === 2) controller.abort();
          },
        },
      ),
    );
    assert.instance(e, HyperregError);
    assert.is((e as HyperregError).code, "ERR_ABORTED");
    assert.equal(seen, [0, 1, 2], "no step was reported after the abort");
    // The pool is still usable.
    const r = await model.solve({ f: "exp", b: p.b, w: p.w }, { maxIterations: 2 });
    assert.is(r.iterations, 2);
  } finally {
    await pool.close();
  }
});

test("an onIteration that throws rejects a pooled solve with its own error, every worker stops, and the pool stays usable", async () => {
  const fx = loadFixture("reg-exp-gauss");
  const problem = { f: fx.f, b: fx.b, w: fx.w };
  for (const sharedMemory of [true, false]) {
    const pool = await createPool({ threads: 2, sharedMemory });
    try {
      const model = await pool.load(fx.A, { blockNnz: 1500 });
      const good = await model.solve(problem, { hessian: "exact", x0: fx.x0 });
      const mine = new Error("stop here");
      const seen: number[] = [];
      const e = await rejection(
        model.solve(problem, {
          hessian: "exact",
          x0: fx.x0,
          onIteration: (info) => {
            seen.push(info.iteration);
            if (info.iteration === 1) throw mine;
          },
        }),
      );
      assert.is(e, mine, `sharedMemory ${sharedMemory}`);
      assert.equal(seen, [0, 1], `sharedMemory ${sharedMemory}: reports after the throw`);
      const again = await model.solve(problem, { hessian: "exact", x0: fx.x0 });
      assert.is(pool.liveWorkers, 2);
      assert.ok(sameBits(again.x, good.x), `sharedMemory ${sharedMemory}: the next solve differs`);
    } finally {
      await pool.close();
    }
  }
});

test("concurrent solves on one pool queue or run side by side, and all return the sequential results", async () => {
  const a = loadFixture("reg-exp-gauss");
  const c = loadFixture("reg-exp-sparse");
  const pool = await createPool({ threads: 2 });
  try {
    const ma = await pool.load(a.A, { blockNnz: 1500 });
    const mc = await pool.load(c.A, { blockNnz: 400 });
    const jobs = [
      () => ma.solve({ f: a.f, b: a.b, w: a.w }, { x0: a.x0, hessian: "exact" }),
      () => mc.solve({ f: c.f, b: c.b, w: c.w }, { x0: c.x0, hessian: "sketch-pcg" }),
      () => ma.solve({ f: a.f, b: a.b.map((v) => v * 1.1), w: a.w }, { x0: a.x0, hessian: "sketch" }),
      () => mc.solve({ f: c.f, b: c.b, w: c.w.map((v) => v * 2) }, { x0: c.x0, hessian: "exact" }),
    ];
    const sequential: SolveResult[] = [];
    for (const job of jobs) sequential.push(await job());
    const together = await Promise.all(jobs.map((job) => job()));
    together.forEach((r, i) => {
      assert.is(r.status, "converged");
      assert.ok(sameBits(r.x, sequential[i]!.x), `job ${i} differs when run concurrently`);
    });
  } finally {
    await pool.close();
  }
});

test("200 solves in a row on one pool leave the heap and the worker count flat", async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc !== undefined, "the test runner starts Node with --expose-gc");
  const fx = loadFixture("reg-exp-sparse");
  const pool = await createPool({ threads: 2 });
  try {
    const model = await pool.load(fx.A, { blockNnz: 400 });
    const once = () => model.solve({ f: fx.f, b: fx.b, w: fx.w }, { x0: fx.x0, hessian: "sketch-pcg" });
    const first = await once();
    for (let i = 0; i < 19; i++) await once();
    // Comlink frees a request's proxy from a FinalizationRegistry, whose callbacks run after a GC
    // on a later turn: collect a few times across turns before reading the heap.
    const settled = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = await settled();
    for (let i = 0; i < 180; i++) {
      const r = await once();
      if (!sameBits(r.x, first.x)) assert.unreachable(`solve ${i + 20} differs`);
    }
    const grown = (await settled()) - before;
    // 180 results of 20 numbers plus histories are garbage by now; a leak of a request's closures or
    // partials (kilobytes each) would pass a megabyte.
    assert.ok(grown < 1 << 20, `the heap grew by ${(grown / 1024).toFixed(0)} KiB over 180 solves`);
    assert.is(pool.liveWorkers, 2);
  } finally {
    await pool.close();
  }
});

test("a Node process exits by itself after pool.close()", () => {
  const library = new URL("../dist/hyperreg.js", import.meta.url).href;
  const script = `
    import { createPool, generateProblem } from ${JSON.stringify(library)};
    const p = generateProblem({ family: "sparse", nrows: 2000, ncols: 10, f: "exp", seed: 1 });
    const pool = await createPool({ threads: 3 });
    const model = await pool.load(p.A);
    const r = await model.solve({ f: "exp", b: p.b, w: p.w });
    await pool.close();
    console.log(r.status);`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 30e3 });
  assert.is(r.signal, null, "the process had to be killed: something kept it alive after close()");
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), "converged");
});

test("createPool rejects a bad thread count with a typed error; threads 0 works in the calling thread", async () => {
  for (const threads of [-1, 1.5, 1000, Number.NaN]) {
    const e = await rejection(createPool({ threads }));
    assert.instance(e, HyperregRangeError);
    assert.is((e as HyperregRangeError).code, "ERR_INVALID_VALUE");
  }
  const fx = loadFixture("reg-exp-tiny");
  const pool = await createPool({ threads: 0 });
  const model = await pool.load(fx.A);
  const r = await model.solve({ f: fx.f, b: fx.b, w: fx.w }, { x0: fx.x0 });
  assert.is(r.threads, 0);
  assert.is(r.status, "converged");
  await pool.close();
});

test.run();
