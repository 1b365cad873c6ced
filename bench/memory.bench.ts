// SPDX-License-Identifier: MIT
// Peak memory of a solve against the bytes of A in CSR. Each case runs in a process of its own, so
// that no earlier case's freed memory (kept by the allocator, or handed back) moves its baseline.
// The process's peak resident set (VmHWM, reset through /proc/self/clear_refs once A, b and w are
// built, so Linux only) is read after the solve and set against the resident set just before it:
// what the solve added, next to the bound 1.5 x the CSR bytes + per worker 64 d^2 bytes and (a
// pool) an idle worker's cost. Worker threads live in the process, so a pool's workers (their Wasm
// memories and V8 heaps) count too. Every line checks the result (converged, the same bits as the
// calling thread) before it reports. `--big` adds the nnz = 1e8 problem (1.2 GB of CSR) on the
// calling thread and on 2 workers.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { freezeCsr } from "../src/csr.js";
import { createPool, rng, solve } from "../src/index.js";
import type { CsrMatrix, HessianMode, SolveResult } from "../src/index.js";
import { collectGarbage, line, quick } from "./lib.js";

const big = process.argv.includes("--big");

function status(): string {
  return readFileSync("/proc/self/status", "utf8");
}
const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status())![1]) * 1024;

/** Collects garbage until the resident set stops falling, then resets the peak to it. */
async function settle(): Promise<number> {
  let last = Infinity;
  for (let i = 0; i < 10; i++) {
    collectGarbage();
    await new Promise((r) => setTimeout(r, 50));
    const now = process.memoryUsage().rss;
    if (now > last - (1 << 20)) break;
    last = now;
  }
  writeFileSync("/proc/self/clear_refs", "5");
  return kib("VmRSS");
}

/**
 * n x d with k distinct sorted columns a row, N(0, 1/k) values; b = exp(A x_true) (|A x_true| about
 * 1) with 1% noise; w 5% above the certificate plus 0.1, so the solve is strongly convex.
 */
function problem(nrows: number, ncols: number, k: number, seed: number) {
  const rand = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const nnz = nrows * k;
  const indptr = new Int32Array(nrows + 1);
  const indices = new Int32Array(nnz);
  const data = new Float64Array(nnz);
  const taken = new Uint8Array(ncols);
  const row = new Int32Array(k);
  for (let i = 0, p = 0; i < nrows; i++) {
    for (let c = 0; c < k; ) {
      const j = Math.floor(rand() * ncols);
      if (taken[j] === 0) {
        taken[j] = 1;
        row[c++] = j;
      }
    }
    row.sort();
    for (let c = 0; c < k; c++) {
      taken[row[c]!] = 0;
      indices[p] = row[c]!;
      data[p++] = normal() / Math.sqrt(k);
    }
    indptr[i + 1] = p;
  }
  // Rows built sorted and unique: frozen as csr() would, without its O(nnz) copy.
  const A: CsrMatrix = freezeCsr(nrows, ncols, indptr, indices, data);
  const x = Float64Array.from({ length: ncols }, () => normal() * 0.5);
  const b = new Float64Array(nrows);
  const w = new Float64Array(nrows);
  for (let i = 0; i < nrows; i++) {
    let z = 0;
    for (let p = indptr[i]!; p < indptr[i + 1]!; p++) z += data[p]! * x[indices[p]!]!;
    b[i] = Math.exp(z) * (1 + 0.01 * normal());
    w[i] = Math.sqrt((Math.max(b[i]!, 0) ** 2 / 8) * 1.05 + 0.1);
  }
  return { A, b, w };
}

const MB = 2 ** 20;
const mb = (bytes: number) => (bytes / MB).toFixed(0);

interface Case {
  name: string;
  nrows: number;
  ncols: number;
  k: number;
  modes: HessianMode[];
  threads: number[];
}

// Rows of 10, 20 and 100 nonzeros, 1e7 nonzeros each: a row's own state is 7 doubles whatever its
// length (in the kernels b, w^2, z, dz and the Hessian weights; the result's copies of b and w^2),
// so short rows weigh more against their CSR bytes.
const scale = quick ? 5 : 1;
const cases: Case[] = [
  { name: "rows of 10", nrows: 1_000_000 / scale, ncols: 100, k: 10, modes: ["exact", "sketch-pcg"], threads: [0, 2] },
  { name: "rows of 20", nrows: 500_000 / scale, ncols: 100, k: 20, modes: ["exact", "sketch-pcg"], threads: [0, 2] },
  { name: "rows of 100", nrows: 100_000 / scale, ncols: 200, k: 100, modes: ["exact", "sketch-pcg"], threads: [0, 2] },
];
if (big) cases.push({ name: "nnz 1e8", nrows: 10_000_000, ncols: 50, k: 10, modes: ["auto"], threads: [0, 2] });

/** `--name=value` of this process's arguments. */
const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

/** One case in this process: prints its line, with a digest of x for the parent's comparison. */
async function runCase(c: Case, hessian: HessianMode, threads: number, idleWorker: number): Promise<void> {
  const t0 = performance.now();
  const p = problem(c.nrows, c.ncols, c.k, 7);
  const nnz = c.nrows * c.k;
  const csrBytes = 12 * nnz + 4 * (c.nrows + 1);
  const buildMs = performance.now() - t0;
  const rss0 = await settle();
  const ts = performance.now();
  let r: SolveResult;
  let loadPeak = 0;
  let loadMs = 0;
  if (threads === 0) {
    r = await solve({ f: "exp", A: p.A, b: p.b, w: p.w }, { hessian });
  } else {
    const pool = await createPool({ threads });
    const tl = performance.now();
    const model = await pool.load(p.A);
    loadMs = performance.now() - tl;
    loadPeak = kib("VmHWM") - rss0;
    r = await model.solve({ f: "exp", b: p.b, w: p.w }, { hessian });
    await pool.close();
  }
  const ms = performance.now() - ts;
  const processPeak = kib("VmHWM");
  const peak = processPeak - rss0;
  if (r.status !== "converged") throw new Error(`${c.name} ${hessian} threads ${threads}: ${r.message}`);
  // Per worker (the calling thread counts as one): 64 d^2 bytes for the d x d work (the model and
  // its factor, the Gram partials, copies in and out) and, for a pool, the idle worker's own cost.
  const perWorker = 64 * c.ncols * c.ncols + (threads > 0 ? idleWorker : 0);
  const dense = perWorker * Math.max(threads, 1);
  line({
    case: c.name,
    n: c.nrows,
    d: c.ncols,
    nnz,
    "CSR MB": mb(csrBytes),
    hessian: `${hessian}${hessian === "auto" ? `(${r.hessian.used})` : ""}`,
    threads,
    "peak added MB": mb(peak),
    "process peak MB": mb(processPeak),
    "x CSR": (peak / csrBytes).toFixed(2),
    ...(threads > 0 ? { "load peak MB": mb(loadPeak), "load s": (loadMs / 1000).toFixed(2) } : {}),
    "bound MB": mb(1.5 * csrBytes + dense),
    within: peak <= 1.5 * csrBytes + dense ? "yes" : "NO",
    "s (pool start, load, solve)": (ms / 1000).toFixed(2),
    iterations: r.iterations,
    "build s": (buildMs / 1000).toFixed(1),
    "x digest": createHash("sha256").update(new Uint8Array(r.x.buffer, r.x.byteOffset, r.x.byteLength)).digest("hex").slice(0, 16),
  });
}

const only = option("case");
if (only !== undefined) {
  const [ci, hessian, threads] = only.split(":");
  await runCase(cases[Number(ci)]!, hessian as HessianMode, Number(threads), Number(option("idle")));
} else {
  // What a worker thread costs before it holds any of A: its V8 isolate and the kernel instance.
  const rss0 = await settle();
  const pool = await createPool({ threads: 2 });
  const idleWorker = (kib("VmRSS") - rss0) / 2;
  await pool.close();
  line({ case: "idle pool", threads: 2, "resident MB per worker": mb(idleWorker) });
  for (const [ci, c] of cases.entries()) {
    for (const hessian of c.modes) {
      let reference: string | undefined;
      for (const threads of c.threads) {
        const args = [...process.execArgv, process.argv[1]!, ...process.argv.slice(2), `--case=${ci}:${hessian}:${threads}`, `--idle=${idleWorker}`];
        const child = spawnSync(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", maxBuffer: 1 << 24 });
        process.stdout.write(child.stdout);
        if (child.status !== 0) throw new Error(`${c.name} ${hessian} threads ${threads}: the case's process exited with ${child.status}`);
        const digest = /x digest=(\w+)/.exec(child.stdout)![1];
        reference ??= digest;
        if (digest !== reference) throw new Error(`${c.name} ${hessian} threads ${threads}: x differs from threads ${c.threads[0]}`);
      }
    }
  }
}
