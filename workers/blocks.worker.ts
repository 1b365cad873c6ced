// SPDX-License-Identifier: MIT
// The worker entry: the row blocks of one or more loaded matrices ("models"), each a BlockSet
// (src/engine/blockset.ts) in its own kernel instance, exposed through Comlink as one typed API.
// The pool posts the compiled kernel module once (`init`, the handshake); the worker instantiates
// it with the raw bindings per model. Every `call` is one coarse pass over the model's blocks and
// returns one partial per block, copied out of Wasm memory and transferred; the caller reduces them
// in block order (src/engine/engine.ts) and hands their buffers back with its next call.
import * as Comlink from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { DenseWork } from "../src/dense.js";
import { BlockSet, type BlockData, type BlockPiece, type ProblemData } from "../src/engine/blockset.js";
import type { BlockMethod, EngineShape } from "../src/engine/engine.js";
import { HyperregError, HyperregRangeError, isHyperregError } from "../src/errors.js";
import { createKernels } from "../src/kernels.js";
import { threadCpuTimer } from "../src/pool/cputime.js";
import type { BlocksWorkerApi, FaultKind, SharedSolveInput } from "../src/pool/protocol.js";
import { exchangeSignal, SharedEngine } from "../src/pool/shared.js";
import { runNewton } from "../src/solve.js";
import type { IterationInfo } from "../src/types.js";
import { buffersOf, installErrorTransfer } from "../src/pool/wire.js";

let kernels: WebAssembly.Module | null = null;
const models = new Map<number, BlockSet>();
/** Dense work per dimension d, made on first use. */
const denseWork = new Map<number, DenseWork>();
let cpuTimer: (() => number) | null = null;
let busyMs = 0;
let calls = 0;
/** A fault armed by the pool's tests: it fires on the `after`-th coming call. */
let fault: { kind: FaultKind; after: number } | null = null;

function model(id: number): BlockSet {
  const set = models.get(id);
  if (set === undefined) throw new HyperregError("ERR_INTERNAL", `this worker holds no model ${id}`);
  return set;
}

/** The dense work for dimension d in `cache`, made on first use. */
async function dense(d: number, cache = denseWork): Promise<DenseWork> {
  let w = cache.get(d);
  if (w === undefined) {
    if (kernels === null) throw new HyperregError("ERR_INTERNAL", "the worker was not initialised");
    w = new DenseWork(await createKernels(kernels), d);
    cache.set(d, w);
  }
  return w;
}

async function fire(kind: FaultKind): Promise<void> {
  if (kind === "trap") {
    // A real trap, not a thrown stand-in: y = A x with row pointers past the end of a fresh instance's memory.
    if (kernels === null) throw new HyperregError("ERR_INTERNAL", "the worker was not initialised");
    const { k } = await createKernels(kernels);
    const end = k.memory.buffer.byteLength;
    k.dcsrmv(1, end - 4, end, end, end, end);
    return;
  }
  if (kind === "typed") throw new HyperregRangeError("ERR_INVALID_VALUE", "a typed error raised in the worker on request", { argument: "fault", value: kind });
  if (kind === "throw") throw new Error("a fault raised in the worker on request");
  if (kind === "uncaught") {
    setTimeout(() => {
      throw new Error("an uncaught fault raised in the worker on request");
    });
    return;
  }
  const proc = (globalThis as { process?: { exit(code: number): never } }).process;
  if (proc !== undefined) proc.exit(3);
  (globalThis as unknown as { close(): void }).close();
}

/** The buffers a piece of a block came in, transferred back: the pool sends the next piece in them. */
function handBack(data: BlockData[]): ArrayBuffer[] {
  const buffers = data.flatMap((d) => [d.indptr.buffer, d.indices.buffer, d.data.buffer] as ArrayBuffer[]);
  return Comlink.transfer(buffers, buffers);
}

/**
 * Runs one request. A hyperreg error keeps its class and code across the boundary; anything else
 * is a bug or a broken runtime, reported as ERR_WORKER_CRASHED with the worker's message.
 */
async function guarded<T>(work: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    await request();
    return await work();
  } catch (e) {
    if (isHyperregError(e)) throw e;
    throw new HyperregError("ERR_WORKER_CRASHED", `a worker threw: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    busyMs += performance.now() - t0;
  }
}

/** Counts a request (a pass of a shared solve is one too) and fires the fault armed for it. */
async function request(): Promise<void> {
  calls++;
  if (fault !== null && --fault.after <= 0) {
    const kind = fault.kind;
    fault = null;
    await fire(kind);
  }
}

/** Dense work for shared solves, per dimension: one at a time (the pool runs them in turn). */
const solveDense = new Map<number, DenseWork>();

const api: BlocksWorkerApi = {
  async init(module: WebAssembly.Module): Promise<"ready"> {
    await createKernels(module);
    kernels = module;
    cpuTimer = await threadCpuTimer();
    return "ready";
  },
  load: (id: number, ncols: number, data: (BlockData | BlockPiece)[], reserveBytes: number) =>
    guarded(async () => {
      if (kernels === null) throw new HyperregError("ERR_INTERNAL", "the worker was not initialised");
      models.set(id, new BlockSet(await createKernels(kernels), ncols, data, false, reserveBytes));
      return handBack(data);
    }),
  append: (id: number, data: (BlockData | BlockPiece)[]) =>
    guarded(() => {
      model(id).append(data);
      return handBack(data);
    }),
  drop(id: number): void {
    models.delete(id);
  },
  setProblem: (id: number, f: number, perBlock: ProblemData[], rescaled: boolean, first: number) =>
    guarded(() => {
      model(id).setProblem(f, perBlock, rescaled, first);
      const buffers = [perBlock[0]!.b.buffer, perBlock[0]!.w2.buffer] as ArrayBuffer[];
      return Comlink.transfer(buffers, buffers);
    }),
  call: <M extends BlockMethod>(id: number, method: M, args: Parameters<BlockSet[M]>, spare: ArrayBuffer[]) =>
    guarded(() => {
      const set = model(id);
      set.recycle(spare);
      const out = (set[method] as (...a: typeof args) => ReturnType<BlockSet[M]>)(...args);
      return Comlink.transfer(out, buffersOf(out));
    }),
  solve: (id: number, input: SharedSolveInput, exchange: SharedArrayBuffer, problem: SharedArrayBuffer, worker: number, workers: number, shape: EngineShape, progress?: MessagePort) =>
    guarded(async () => {
      const engine = new SharedEngine(model(id), exchange, worker, workers, shape, request);
      try {
        const w = await dense(shape.ncols, solveDense);
        const n = shape.nrows;
        const { setupMs, ...rest } = input;
        const p = {
          ...rest,
          b: new Float64Array(problem, 0, n),
          w2: new Float64Array(problem, 8 * n, n),
          signal: exchangeSignal(exchange),
          onIteration: progress === undefined ? undefined : (info: IterationInfo) => progress.postMessage(info),
        };
        const result = await runNewton(engine, w, p, performance.now() - setupMs);
        engine.finish();
        return worker === 0 ? result : null;
      } catch (e) {
        engine.fail();
        throw e;
      } finally {
        progress?.close();
      }
    }),
  factor: (d: number, G: Float64Array, shift: number) =>
    guarded(async () => {
      const w = await dense(d);
      const info = w.factorHere(0, G, shift);
      const L = w.factorOf(0);
      return Comlink.transfer({ info, L }, [L.buffer]);
    }),
  sketchGram: (d: number, S: Float64Array, m: number) =>
    guarded(async () => {
      const C = (await dense(d)).sketchGramHere(S, m);
      return Comlink.transfer(C, [C.buffer]);
    }),
  stats: () => ({ cpuMs: cpuTimer?.() ?? null, busyMs, calls }),
  armFault(kind: FaultKind, after: number): void {
    fault = { kind, after };
  },
};

installErrorTransfer();
if (typeof (globalThis as { postMessage?: unknown }).postMessage === "function") {
  Comlink.expose(api);
} else {
  const { parentPort } = await import("node:worker_threads");
  if (parentPort === null) throw new Error("blocks.worker.js runs as a worker, not as a main module");
  Comlink.expose(api, nodeEndpoint(parentPort));
}
