// SPDX-License-Identifier: MIT
// The worker entry: a BlockSet (src/engine/blockset.ts) holding the row blocks a worker owns, exposed
// through Comlink as one typed API object. The pool posts the compiled kernel module; the worker
// instantiates it with the raw bindings, so each worker has its own Wasm memory. Every call is one
// coarse pass over the worker's blocks and returns one partial per block, reduced in block order by
// the caller (src/engine/engine.ts).
import * as Comlink from "comlink";
import { BlockSet, type BlockData, type ProblemData } from "../src/engine/blockset.js";
import { createKernels } from "../src/kernels.js";

let set: BlockSet | null = null;

function blocks(): BlockSet {
  if (set === null) throw new Error("the worker holds no blocks: call load() first");
  return set;
}

export const api = {
  async load(module: WebAssembly.Module, ncols: number, data: BlockData[]): Promise<void> {
    set = new BlockSet(await createKernels(module), ncols, data);
  },
  setProblem: (f: number, perBlock: ProblemData[], rescaled?: boolean) => blocks().setProblem(f, perBlock, rescaled),
  evaluate: (x: Float64Array) => blocks().evaluate(x),
  step: (t: number) => blocks().step(t),
  exactGram: (modified: boolean) => blocks().exactGram(modified),
  negativeGram: (psd: boolean) => blocks().negativeGram(psd),
  sketch: (m: number, key: readonly [number, number]) => blocks().sketch(m, key),
  sampleGram: (Q: Float64Array, kq: number, scale: number, key: readonly [number, number]) => blocks().sampleGram(Q, kq, scale, key),
  hessVec: (v: Float64Array, modified: boolean, carry?: number | null) => blocks().hessVec(v, modified, carry),
  direction: (dx: Float64Array) => blocks().direction(dx),
  cgDirection: (carry: number) => blocks().cgDirection(carry),
  lossAt: (t: number) => blocks().lossAt(t),
  resEvaluate: (x: Float64Array) => blocks().resEvaluate(x),
  resStep: (t: number) => blocks().resStep(t),
  resWeigh: (alpha: number, cb: number) => blocks().resWeigh(alpha, cb),
  resLossAt: (t: number, alpha0: number) => blocks().resLossAt(t, alpha0),
  resDirection: (dx: Float64Array, alpha0: number) => blocks().resDirection(dx, alpha0),
  resCgDirection: (carry: number, alpha0: number) => blocks().resCgDirection(carry, alpha0),
  resSketch: (m: number, keyE: readonly [number, number], keyJ: readonly [number, number], p1: Float64Array) => blocks().resSketch(m, keyE, keyJ, p1),
  resSampleGram: (Q: Float64Array, kq: number, pq: Float64Array, scale: number, keyE: readonly [number, number], keyJ: readonly [number, number]) =>
    blocks().resSampleGram(Q, kq, pq, scale, keyE, keyJ),
};

export type BlocksWorkerApi = typeof api;

Comlink.expose(api);
