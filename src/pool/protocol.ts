// SPDX-License-Identifier: MIT
// The API each worker exposes (workers/blocks.worker.ts implements it): the pool's only contract
// with its workers. Every request after `init` is one coarse pass, or a load, for one model.
import type { BlockData, BlockPiece, BlockSet, ProblemData } from "../engine/blockset.js";
import type { BlockMethod, EngineShape } from "../engine/engine.js";
import type { NewtonInput } from "../solve.js";
import type { SolveResult } from "../types.js";

/**
 * Ways the pool's tests make a worker fail: a plain throw, a typed error, an exit, an uncaught
 * throw, a WebAssembly trap (a kernel reading past its memory).
 */
export type FaultKind = "throw" | "typed" | "exit" | "uncaught" | "trap";

export interface WorkerStats {
  /** CPU time of the worker's thread in ms (null where the runtime does not tell). */
  cpuMs: number | null;
  /** Time spent inside requests, in ms. */
  busyMs: number;
  calls: number;
}

/** A shared solve's problem as a worker gets it: b and w^2 come in shared memory, setupMs is the calling thread's. */
export type SharedSolveInput = Omit<NewtonInput, "b" | "w2" | "signal" | "onIteration"> & { setupMs: number };

export interface BlocksWorkerApi {
  /** The handshake: keeps the compiled kernel module and proves it instantiates there. */
  init(module: WebAssembly.Module): Promise<"ready">;
  /**
   * Loads the first piece of a model's first row block (its buffers transferred) into a kernel
   * instance of its own, reserving `reserveBytes` there for all of its blocks; `append` brings the
   * rest, piece by piece in row order. Both hand the piece's buffers back (transferred), for the next.
   */
  load(id: number, ncols: number, data: (BlockData | BlockPiece)[], reserveBytes: number): Promise<ArrayBuffer[]>;
  append(id: number, data: (BlockData | BlockPiece)[]): Promise<ArrayBuffer[]>;
  drop(id: number): void;
  /**
   * b and w^2 for the model's blocks from its `first` here on (views into two transferred buffers);
   * hands those buffers back, for the next request.
   */
  setProblem(id: number, f: number, perBlock: ProblemData[], rescaled: boolean, first: number): Promise<ArrayBuffer[]>;
  /**
   * One BlockSet method over the model's blocks here: one partial per block, in block order. `spare`
   * hands back (transferred) the buffers of earlier partials, which later partials are copied into.
   */
  call<M extends BlockMethod>(id: number, method: M, args: Parameters<BlockSet[M]>, spare: ArrayBuffer[]): Promise<ReturnType<BlockSet[M]>>;
  /**
   * A whole solve on the model's blocks here, with the other `workers` (this one is `worker` in block
   * order), partials summed through `exchange` (src/pool/shared.ts); b and w^2 in `problem`. Worker 0
   * posts each iteration's report on `progress` and answers with the result, the others with null.
   */
  solve(id: number, input: SharedSolveInput, exchange: SharedArrayBuffer, problem: SharedArrayBuffer, worker: number, workers: number, shape: EngineShape, progress?: MessagePort): Promise<SolveResult | null>;
  /** The O(d^3) dense work of a step (src/dense.ts, DenseOffload), so a page's main thread stays free. */
  factor(d: number, G: Float64Array, shift: number): Promise<{ info: number; L: Float64Array }>;
  sketchGram(d: number, S: Float64Array, m: number): Promise<Float64Array>;
  stats(): WorkerStats;
  /** For tests: the `after`-th coming request fails in the given way. */
  armFault(kind: FaultKind, after: number): void;
}
