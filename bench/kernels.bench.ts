// SPDX-License-Identifier: MIT
// Kernel throughput: the Wasm kernels against their plain TypeScript references (tests/reference.ts)
// and against a plain streaming read (dasum), the bandwidth a sparse pass can hope for.
import { newKernels } from "../src/kernel-module.js";
import { generateProblem, rng } from "../src/index.js";
import * as ref from "../tests/reference.js";
import { csrBytes, line, quick, race } from "./lib.js";

const arena = await newKernels();
const { k } = arena;
const rounds = quick ? 5 : 15;

function check(name: string, a: Float64Array, b: Float64Array, tol: number) {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  if (!(err <= tol * Math.max(scale, 1))) throw new Error(`${name}: Wasm and reference disagree (max error ${err}, scale ${scale})`);
}

// --- sparse passes ---------------------------------------------------------------------------
const shapes = [
  { label: "sparse 20/row", family: "sparse" as const, nrows: quick ? 100_000 : 400_000, ncols: 1000, rowNnz: 20 },
  { label: "dense rows", family: "gauss" as const, nrows: quick ? 20_000 : 80_000, ncols: 200, rowNnz: 200 },
];
for (const s of shapes) {
  const { A } = generateProblem({ family: s.family, nrows: s.nrows, ncols: s.ncols, rowNnz: s.rowNnz, seed: 3 });
  const nnz = A.indptr[A.nrows]!;
  const mark = arena.mark();
  const Ap = arena.putI32(A.indptr);
  const Aj = arena.putI32(A.indices);
  const Ax = arena.putF64(A.data);
  const rand = rng(5);
  const xs = Float64Array.from({ length: A.ncols }, () => rand() - 0.5);
  const vs = Float64Array.from({ length: A.nrows }, () => rand() - 0.5);
  const x = arena.putF64(xs);
  const v = arena.putF64(vs);
  const y = arena.allocF64(A.nrows);
  const g = arena.allocF64(A.ncols);
  // The bytes a pass must stream: what the kernels load of A (csrBytes), and the long vector.
  const bytes = csrBytes(A, true) + 8 * A.nrows;
  const stream = arena.allocF64(Math.ceil(bytes / 8));
  arena.f64(stream, Math.ceil(bytes / 8)).fill(1);

  const yRef = new Float64Array(A.nrows);
  const gRef = new Float64Array(A.ncols);
  const g3 = arena.allocF64(3 * A.ncols);
  const g3Ref = [0, 1, 2].map(() => new Float64Array(A.ncols));
  k.dcsrmv(A.nrows, Ap, Aj, Ax, x, y);
  ref.dcsrmv(A.nrows, A.indptr, A.indices, A.data, xs, yRef);
  check("dcsrmv", arena.f64(y, A.nrows), yRef, 1e-12);
  k.dcsrmtv(A.nrows, Ap, Aj, Ax, v, g);
  ref.dcsrmtv(A.nrows, A.indptr, A.indices, A.data, vs, gRef);
  check("dcsrmtv", arena.f64(g, A.ncols), gRef, 1e-10);
  k.dcsrmtv3(A.nrows, Ap, Aj, Ax, v, v, v, g3, g3 + 8 * A.ncols, g3 + 16 * A.ncols);
  check("dcsrmtv3", arena.f64(g3 + 16 * A.ncols, A.ncols), gRef, 1e-10);

  const t = await race(
    [
      { name: "dasum", run: () => k.dasum(Math.ceil(bytes / 8), stream) },
      { name: "wasm mv", run: () => k.dcsrmv(A.nrows, Ap, Aj, Ax, x, y) },
      { name: "ref mv", run: () => ref.dcsrmv(A.nrows, A.indptr, A.indices, A.data, xs, yRef) },
      { name: "wasm mtv", run: () => { arena.f64(g, A.ncols).fill(0); k.dcsrmtv(A.nrows, Ap, Aj, Ax, v, g); } },
      { name: "ref mtv", run: () => { gRef.fill(0); ref.dcsrmtv(A.nrows, A.indptr, A.indices, A.data, vs, gRef); } },
      // Three transposed products (the rescaled gradient and rank-2 vectors): one pass, or three.
      { name: "wasm mtv3", run: () => { arena.f64(g3, 3 * A.ncols).fill(0); k.dcsrmtv3(A.nrows, Ap, Aj, Ax, v, v, v, g3, g3 + 8 * A.ncols, g3 + 16 * A.ncols); } },
      { name: "wasm 3 mtv", run: () => { arena.f64(g3, 3 * A.ncols).fill(0); for (let j = 0; j < 3; j++) k.dcsrmtv(A.nrows, Ap, Aj, Ax, v, g3 + 8 * j * A.ncols); } },
      { name: "ref mtv3", run: () => { g3Ref.forEach((y) => y.fill(0)); ref.dcsrmtv3(A.nrows, A.indptr, A.indices, A.data, [vs, vs, vs], g3Ref); } },
    ],
    rounds,
  );
  const gbs = (ms: number) => bytes / ms / 1e6;
  const stream_ = gbs(t.get("dasum")!);
  for (const [op, w, r] of [["dcsrmv", "wasm mv", "ref mv"], ["dcsrmtv", "wasm mtv", "ref mtv"]] as const) {
    line({
      case: `${op} ${s.label} ${A.nrows}x${A.ncols} nnz=${nnz}`,
      ms: t.get(w)!,
      "GB/s": gbs(t.get(w)!),
      "vs_ref": t.get(r)! / t.get(w)!,
      "of_stream": gbs(t.get(w)!) / stream_,
      "ref_ms": t.get(r)!,
      "stream_GB/s": stream_,
    });
  }
  line({
    case: `dcsrmtv3 ${s.label} ${A.nrows}x${A.ncols} nnz=${nnz}`,
    ms: t.get("wasm mtv3")!,
    vs_ref: t.get("ref mtv3")! / t.get("wasm mtv3")!,
    vs_three_dcsrmtv: t.get("wasm 3 mtv")! / t.get("wasm mtv3")!,
  });
  arena.release(mark);
}

// --- JL leverage scores ------------------------------------------------------------------------
// dcsrlev with the map in f64 and in f32 (the sketch modes take f32 where R is well conditioned),
// at the plain sketch's 16 columns and sketch-pcg's 8.
{
  const { A } = generateProblem({ family: "gauss", nrows: quick ? 20_000 : 80_000, ncols: 200, seed: 3 });
  const nnz = A.indptr[A.nrows]!;
  const rand = rng(7);
  const mark = arena.mark();
  const Ap = arena.putI32(A.indptr);
  const Aj = arena.putI32(A.indices);
  const Ax = arena.putF64(A.data);
  const tmp = arena.allocF64(16);
  const lev = arena.allocF64(A.nrows);
  for (const kq of [16, 8]) {
    const Qs = Float64Array.from({ length: A.ncols * kq }, () => (rand() - 0.5) / Math.sqrt(kq));
    const Q64 = arena.putF64(Qs);
    const Q32 = arena.allocF64(Qs.length / 2);
    arena.f32(Q32, Qs.length).set(Qs);
    const want = new Float64Array(A.nrows);
    ref.dcsrlev(A.nrows, A.indptr, A.indices, A.data, Qs, kq, want);
    k.dcsrlev(A.nrows, Ap, Aj, Ax, Q32, kq, true, tmp, lev);
    // Single precision: sums of 200 terms carry about 1e-5 of the sum of |terms| (the kernel tests bound it).
    check(`dcsrlev f32 k=${kq}`, arena.f64(lev, A.nrows), want, 1e-4);
    const t = await race(
      [
        { name: "f64", run: () => k.dcsrlev(A.nrows, Ap, Aj, Ax, Q64, kq, false, tmp, lev) },
        { name: "f32", run: () => k.dcsrlev(A.nrows, Ap, Aj, Ax, Q32, kq, true, tmp, lev) },
      ],
      rounds,
    );
    line({
      case: `dcsrlev dense rows ${A.nrows}x${A.ncols} nnz=${nnz} k=${kq}`,
      f64_ms: t.get("f64")!,
      f32_ms: t.get("f32")!,
      f32_speedup: t.get("f64")! / t.get("f32")!,
      "f32_GFMA/s": (nnz * kq) / t.get("f32")! / 1e6,
    });
  }
  arena.release(mark);
}

// --- Cholesky ----------------------------------------------------------------------------------
for (const d of [200, 500]) {
  const rand = rng(d);
  const m = d + 10;
  const M = Float64Array.from({ length: m * d }, () => rand() - 0.5);
  const G = new Float64Array(d * d);
  ref.dsyrk(m, d, M, G);
  for (let i = 0; i < d; i++) G[i * d + i]! += 1;
  const mark = arena.mark();
  const P = arena.allocF64(d * d);
  const work = new Float64Array(d * d);
  let info = 0;
  const t = await race(
    [
      { name: "wasm", run: () => { arena.f64(P, d * d).set(G); info = k.dpotrf(d, P); } },
      { name: "ref", run: () => { work.set(G); ref.dpotrf(d, work); } },
    ],
    quick ? 3 : 9,
  );
  if (info !== 0) throw new Error("dpotrf failed on an SPD matrix");
  check("dpotrf", arena.f64(P, d * d), work, 1e-10);
  line({ case: `dpotrf d=${d}`, ms: t.get("wasm")!, ref_ms: t.get("ref")!, vs_ref: t.get("ref")! / t.get("wasm")!, GFlops: d ** 3 / 3 / t.get("wasm")! / 1e6 });
  arena.release(mark);
}
