// SPDX-License-Identifier: MIT
// The worker pool: workers that keep row blocks of A resident, one coarse call per worker per pass.
//
//   const pool = await createPool({ threads: 4 });
//   const model = await pool.load(A);          // blocks transferred once, kept in the workers
//   const r = await model.solve({ f: "exp", b, w });
//   await pool.close();
//
// Lifetimes: every request to a worker is tracked; when the worker fails to load, throws uncaught
// or exits, its requests reject at once with ERR_WORKER_CRASHED and the worker is replaced before
// the next solve (a model's blocks are loaded again from its matrix). `close()` rejects what is in
// flight and ends every worker, so a Node process exits by itself afterwards.
import * as Comlink from "comlink";
import { asCsr } from "../csr.js";
import { type DenseOffload, DenseWork } from "../dense.js";
import { type BlockPiece, type BlockSet, residentBytes } from "../engine/blockset.js";
import { type BlockCall, BlockEngine, type BlockMethod } from "../engine/engine.js";
import { LocalEngine, rowNnzSquares, sliceRows } from "../engine/local.js";
import { type RowBlock, tileRows } from "../engine/tiling.js";
import { describe, HyperregError, HyperregRangeError, HyperregTypeError } from "../errors.js";
import { kernelModule, newKernels } from "../kernel-module.js";
import { attachRunner } from "../sensitivity.js";
import { checkShape, type Prepared, prepare, run, withProblem } from "../solve.js";
import type { CsrInput, CsrMatrix, IterationInfo, SolveOptions, SolveProblem, SolveResult } from "../types.js";
import type { BlocksWorkerApi, FaultKind, WorkerStats } from "./protocol.js";
import { canSpawnWorkers, hardwareConcurrency, type Spawned, spawnWorker } from "./spawn.js";
import { abortExchange, exchangeBytes, resetExchange } from "./shared.js";
import { buffersOf, installErrorTransfer } from "./wire.js";

export interface PoolOptions {
  /** Worker threads; default: the hardware concurrency, at most 8. 0 runs in the calling thread. */
  threads?: number;
  /** Where the worker entry (blocks.worker.js) is served, when a bundler moved it. */
  workerUrl?: URL | string;
  /** How long a worker may take to load and answer the handshake (default 30 s) before it counts as crashed. */
  startTimeoutMs?: number;
  /**
   * @internal Whether solves may run inside the workers, summing through shared memory (default:
   * wherever SharedArrayBuffer is available). Tests turn it off to compare both ways.
   */
  sharedMemory?: boolean;
}

export interface LoadOptions {
  /**
   * Target nonzeros per row block (default 524288). The tiling fixes the order of every sum, so
   * results depend on it, never on the thread count.
   */
  blockNnz?: number;
}

/** A problem for a loaded matrix: `solve`'s problem without `A`. */
export type ModelProblem = Omit<SolveProblem, "A"> & { A?: CsrMatrix };

const MAX_THREADS = 256;
const DEFAULT_CAP = 8;
const DEFAULT_START_TIMEOUT_MS = 30_000;
/** Largest exchange a shared solve may take (exchangeBytes(d): d up to about 1400); beyond it solves go pass by pass. */
const MAX_EXCHANGE_BYTES = 64 * 2 ** 20;
/** Rows of b and w^2 per setProblem request (512 KiB of each at most, unless one block is longer). */
const CHUNK_ROWS = 1 << 16;
/** Rows and nonzeros of a block sent in one load request (1.5 MiB of A at most, unless one row is longer). */
const PIECE_ROWS = 1 << 17;
const PIECE_NNZ = 1 << 17;

function crashed(reason: string, index: number): HyperregError {
  return new HyperregError("ERR_WORKER_CRASHED", `worker ${index}: ${reason}`);
}

/** One worker and its in-flight requests, which reject when it dies. */
class WorkerSlot {
  private dead: HyperregError | null = null;
  private readonly pending = new Set<(e: HyperregError) => void>();
  readonly api: Comlink.Remote<BlocksWorkerApi>;

  constructor(private readonly spawned: Spawned, readonly index: number) {
    this.api = Comlink.wrap<BlocksWorkerApi>(spawned.endpoint);
    spawned.onDeath((reason) => this.kill(crashed(reason, index)));
  }

  get alive(): boolean {
    return this.dead === null;
  }

  /** Runs a request; it rejects as soon as the worker dies or is killed. */
  request<T>(work: (api: Comlink.Remote<BlocksWorkerApi>) => Promise<T>): Promise<T> {
    if (this.dead !== null) return Promise.reject(this.dead);
    return new Promise<T>((resolve, reject) => {
      this.pending.add(reject);
      work(this.api).then(
        (v) => {
          this.pending.delete(reject);
          resolve(v);
        },
        (e: unknown) => {
          this.pending.delete(reject);
          // A worker that threw something other than a typed error may be in any state: replace it.
          if (e instanceof HyperregError && e.code === "ERR_WORKER_CRASHED") {
            this.kill(crashed(e.message, this.index));
            reject(this.dead);
          } else {
            reject(e);
          }
        },
      );
    });
  }

  /** For tests: ends the worker's thread as something outside the pool would, leaving the pool to notice. */
  terminateFromOutside(): void {
    this.spawned.terminate();
  }

  kill(error: HyperregError): void {
    if (this.dead !== null) return;
    this.dead = error;
    for (const reject of this.pending) reject(error);
    this.pending.clear();
    this.spawned.terminate();
  }
}

export class Pool {
  private readonly slots: (WorkerSlot | null)[];
  private readonly starting: (Promise<WorkerSlot> | null)[];
  private closed = false;
  private nextModelId = 1;

  /** @internal */
  constructor(
    /** Worker threads; 0 when this runtime can make none and the pool works in the calling thread. */
    readonly threads: number,
    private readonly url: URL | null,
    private readonly module: WebAssembly.Module,
    first: WorkerSlot[],
    private readonly startTimeoutMs = DEFAULT_START_TIMEOUT_MS,
    /** Whether solves run inside the workers (src/pool/shared.ts). */
    readonly sharedMemory = false,
  ) {
    this.slots = first.slice();
    this.starting = first.map(() => null);
  }

  private turn: Promise<unknown> = Promise.resolve();

  /**
   * @internal Runs shared solves one at a time: a worker in one waits for its peers without reading
   * messages, so two on one pool could each hold a worker the other waits for.
   */
  inTurn<T>(work: () => Promise<T>): Promise<T> {
    const next = this.turn.then(work);
    this.turn = next.catch(() => undefined);
    return next;
  }

  /** Loads A's row blocks into the workers (or, without workers, into this thread) for many solves. */
  async load(A: CsrMatrix | CsrInput, options: LoadOptions = {}): Promise<Model> {
    this.assertOpen();
    const matrix = asCsr(A);
    checkShape(matrix);
    const blockNnz = options.blockNnz;
    if (blockNnz !== undefined && !(Number.isInteger(blockNnz) && blockNnz >= 1)) {
      throw new HyperregRangeError("ERR_INVALID_VALUE", `invalid options.blockNnz: expected a positive integer, received ${describe(blockNnz)}`, { argument: "options.blockNnz", value: blockNnz });
    }
    const model = new Model(this, this.nextModelId++, matrix, blockNnz);
    await model.ready();
    return model;
  }

  /** Ends every worker; requests in flight reject with ERR_ABORTED. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new HyperregError("ERR_ABORTED", "the pool was closed while a request was in flight");
    for (const s of this.slots) s?.kill(error);
    await Promise.allSettled(this.starting.filter((p) => p !== null));
  }

  /** Workers alive now (after a crash, until the next request replaces it, one fewer). */
  get liveWorkers(): number {
    return this.slots.filter((s) => s?.alive === true).length;
  }

  /** @internal The live worker at `index`, replacing a dead one. */
  async worker(index: number): Promise<WorkerSlot> {
    this.assertOpen();
    const s = this.slots[index];
    if (s?.alive === true) return s;
    if (this.url === null) throw new HyperregError("ERR_INTERNAL", "a pool without workers was asked for one");
    this.starting[index] ??= startWorker(this.url, this.module, index, this.startTimeoutMs).then(
      (fresh) => {
        this.starting[index] = null;
        if (this.closed) fresh.kill(new HyperregError("ERR_ABORTED", "the pool was closed"));
        else this.slots[index] = fresh;
        return fresh;
      },
      (e: unknown) => {
        this.starting[index] = null;
        throw e;
      },
    );
    return this.starting[index];
  }

  /** @internal For tests: the `after`-th coming request to worker `index` fails in the given way. */
  async armFault(index: number, kind: FaultKind, after = 1): Promise<void> {
    const w = await this.worker(index);
    await w.request((api) => api.armFault(kind, after));
  }

  /**
   * @internal For tests: terminates worker `index` behind the pool's back (as a crash or an outside
   * kill would), so that the pool learns of it only from the worker's exit. Node's workers report
   * that exit; a browser's Worker.terminate() sends no event, so there this would leave requests pending.
   */
  terminateWorker(index: number): void {
    this.slots[index]?.terminateFromOutside();
  }

  /** @internal Per worker: CPU time of its thread (null where unknown), busy time and request count. */
  async workerStats(): Promise<WorkerStats[]> {
    return Promise.all(this.slots.map((_, i) => this.worker(i).then((w) => w.request((api) => api.stats()))));
  }

  private assertOpen(): void {
    if (this.closed) throw new HyperregError("ERR_ABORTED", "the pool is closed");
  }
}

/**
 * Spawns worker `index` and waits for its handshake. A script that loads but never answers (not
 * the worker entry, or stuck) would leave the promise pending: after `timeoutMs` it is killed.
 */
async function startWorker(url: URL, module: WebAssembly.Module, index: number, timeoutMs: number): Promise<WorkerSlot> {
  const spawned = await spawnWorker(url);
  if (spawned === null) throw new HyperregError("ERR_WORKER_CRASHED", "this runtime cannot make workers any more");
  const slot = new WorkerSlot(spawned, index);
  const timer = setTimeout(() => slot.kill(crashed(`no answer to the handshake within ${timeoutMs} ms from ${url.href}; is it blocks.worker.js?`, index)), timeoutMs);
  try {
    await slot.request((api) => api.init(module));
  } catch (e) {
    slot.kill(e instanceof HyperregError ? e : crashed(String(e), index));
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return slot;
}

/** Starts a pool: compiles the kernels once and hands the module to each worker (the handshake). */
export async function createPool(options: PoolOptions = {}): Promise<Pool> {
  if (typeof options !== "object" || options === null) throw new HyperregTypeError("ERR_INVALID_TYPE", `invalid options: expected an object, received ${describe(options)}`, { argument: "options", value: options });
  const t = options.threads;
  if (t !== undefined && !(Number.isInteger(t) && t >= 0 && t <= MAX_THREADS)) {
    throw new HyperregRangeError("ERR_INVALID_VALUE", `invalid options.threads: expected an integer from 0 to ${MAX_THREADS}, received ${describe(t)}`, { argument: "options.threads", value: t });
  }
  const module = await kernelModule();
  installErrorTransfer();
  const threads = t ?? Math.min(await hardwareConcurrency(), DEFAULT_CAP);
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  if (!(startTimeoutMs > 0 && startTimeoutMs <= 2 ** 31 - 1)) {
    throw new HyperregRangeError("ERR_INVALID_VALUE", `invalid options.startTimeoutMs: expected a positive number of milliseconds, received ${describe(startTimeoutMs)}`, { argument: "options.startTimeoutMs", value: startTimeoutMs });
  }
  // Without a worker constructor (edge runtimes) the same API works in the calling thread. There
  // import.meta.url may not be a URL at all (workerd names modules), so it is read only below.
  if (threads === 0 || !(await canSpawnWorkers())) return new Pool(0, null, module, []);
  const url = options.workerUrl === undefined ? new URL("./blocks.worker.js", import.meta.url) : new URL(options.workerUrl, import.meta.url);
  const started = await Promise.allSettled(Array.from({ length: threads }, (_, i) => startWorker(url, module, i, startTimeoutMs)));
  const failed = started.find((s) => s.status === "rejected");
  if (failed !== undefined) {
    for (const s of started) if (s.status === "fulfilled") s.value.kill(new HyperregError("ERR_ABORTED", "the pool did not start"));
    throw failed.reason;
  }
  // Shared memory reaches workers wherever SharedArrayBuffer exists (in a browser, a cross-origin isolated page).
  const shared = options.sharedMemory ?? (typeof SharedArrayBuffer === "function" && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false);
  return new Pool(threads, url, module, started.map((s) => (s as PromiseFulfilledResult<WorkerSlot>).value), startTimeoutMs, shared);
}

/** Contiguous runs of blocks per worker, in block order: worker w owns blocks [lo, hi). */
function assign(blocks: number, workers: number): { lo: number; hi: number }[] {
  return Array.from({ length: workers }, (_, w) => ({ lo: Math.floor((w * blocks) / workers), hi: Math.floor(((w + 1) * blocks) / workers) }));
}

/** Buffers that carry pieces of blocks to a worker and come back with its answer, for the next piece. */
interface Carrier {
  indptr: ArrayBuffer;
  indices: ArrayBuffer;
  data: ArrayBuffer;
}

function carrier(rows: number, nnz: number): Carrier {
  return { indptr: new ArrayBuffer(4 * (rows + 1)), indices: new ArrayBuffer(4 * nnz), data: new ArrayBuffer(8 * nnz) };
}

/** Global rows [start, end) of one block: a piece sent in one request. */
interface PieceRange {
  block: RowBlock;
  start: number;
  end: number;
}

/** A block's rows in pieces of at most PIECE_ROWS rows and PIECE_NNZ nonzeros (a longer row goes alone). */
function piecesOf(A: CsrMatrix, block: RowBlock): PieceRange[] {
  const out: PieceRange[] = [];
  for (let start = block.rowStart; start < block.rowEnd || out.length === 0; ) {
    let end = start + 1;
    while (end < block.rowEnd && end - start < PIECE_ROWS && A.indptr[end + 1]! - A.indptr[start]! <= PIECE_NNZ) end++;
    end = Math.min(end, block.rowEnd);
    out.push({ block, start, end });
    start = end;
  }
  return out;
}

/**
 * A piece's rows copied into the carrier's buffers, whole buffers being what can be transferred (a
 * view of A would clone all of it); row pointers block-local, as sliceRows makes them.
 */
function packPiece(A: CsrMatrix, { block, start, end }: PieceRange, c: Carrier): BlockPiece {
  const s = sliceRows(A, block, start, end, new Int32Array(c.indptr, 0, end - start + 1));
  const indices = new Int32Array(c.indices, 0, s.indices.length);
  const data = new Float64Array(c.data, 0, s.data.length);
  indices.set(s.indices);
  data.set(s.data);
  return { block, indptr: s.indptr, indices, data, first: start - block.rowStart, nnz: A.indptr[block.rowEnd]! - A.indptr[block.rowStart]! };
}

/** A matrix loaded into a pool. Solves on one model run one at a time, in call order. */
export class Model {
  readonly nrows: number;
  readonly ncols: number;
  readonly nnz: number;
  private readonly blocks: RowBlock[];
  private readonly owners: { lo: number; hi: number }[];
  /** The worker instance that holds each owner's blocks (a replaced worker must load them again). */
  private readonly loadedOn = new Map<number, WorkerSlot>();
  private local: LocalEngine | null = null;
  private dense: DenseWork | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private readonly rowNnzSquares: number;
  private readonly blockNnz: number | undefined;

  /** @internal */
  constructor(
    private readonly pool: Pool,
    private readonly id: number,
    private readonly A: CsrMatrix,
    blockNnz: number | undefined,
  ) {
    this.nrows = A.nrows;
    this.ncols = A.ncols;
    this.nnz = A.indptr[A.nrows]!;
    this.rowNnzSquares = rowNnzSquares(A);
    this.blocks = tileRows(A, blockNnz);
    this.owners = assign(this.blocks.length, pool.threads);
    this.blockNnz = blockNnz;
  }

  /** Makes sure every owner's blocks are in a live worker (loads them into replacements). */
  async ready(): Promise<void> {
    if (this.pool.threads === 0) {
      // The model's own tiling and row statistics: computed once, at load.
      this.local ??= new LocalEngine(this.A, await newKernels(), this.blocks, this.rowNnzSquares);
      return;
    }
    await Promise.all(
      this.owners.map(async ({ lo, hi }, w) => {
        if (hi === lo) return;
        const slot = await this.pool.worker(w);
        if (this.loadedOn.get(w) === slot) return;
        // A piece of a block a request, into memory the first request reserves for all of them, in
        // one set of buffers that the worker hands back with each answer: sending the whole share at
        // once held a second copy of it in the worker, and fresh buffers per piece a pile of garbage
        // there, both until the worker's next garbage collection; pieces rather than whole blocks
        // keep the buffers (garbage once the load ends) small. Each request also lets a page draw.
        const blocks = this.blocks.slice(lo, hi);
        const nnzOf = (b: RowBlock) => this.A.indptr[b.rowEnd]! - this.A.indptr[b.rowStart]!;
        const bytes = blocks.reduce((s, b) => s + residentBytes(nnzOf(b), b.rowEnd - b.rowStart), 0);
        const pieces = blocks.flatMap((b) => piecesOf(this.A, b));
        let c = carrier(Math.max(...pieces.map((p) => p.end - p.start)), Math.max(...pieces.map((p) => this.A.indptr[p.end]! - this.A.indptr[p.start]!)));
        for (const [k, piece] of pieces.entries()) {
          const sent = Comlink.transfer([packPiece(this.A, piece, c)], [c.indptr, c.indices, c.data]);
          const back = await slot.request((api) => (k === 0 ? api.load(this.id, this.ncols, sent, bytes) : api.append(this.id, sent)));
          c = { indptr: back[0]!, indices: back[1]!, data: back[2]! };
        }
        this.loadedOn.set(w, slot);
      }),
    );
  }

  /**
   * Solves for this matrix (options as `solve`; `threads` and `blockNnz` are the pool's and the
   * model's). Queues behind earlier solves on this model.
   */
  solve(problem: ModelProblem, options: SolveOptions = {}): Promise<SolveResult> {
    const t0 = performance.now();
    let p: Prepared;
    try {
      p = prepare({ ...problem, A: problem.A ?? this.A } as SolveProblem, options, this.A);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.solvePrepared(p, t0);
  }

  /** @internal A solve whose arguments `prepare` has checked (for this model's matrix). */
  solvePrepared(p: Prepared, t0: number): Promise<SolveResult> {
    return this.exclusive(async (engine, dense) => {
      if (p.signal?.aborted) throw new HyperregError("ERR_ABORTED", "the solve was aborted by its AbortSignal");
      // The tiling is the model's (sensitivity() re-forms sums in the same order).
      const q = { ...p, blockNnz: this.blockNnz };
      const result = this.sharesMemory() ? await this.pool.inTurn(() => this.solveShared(q, t0)) : await run(engine, dense, q, t0);
      return attachRunner(result, (work) => this.exclusive(work));
    });
  }

  private exchange: SharedArrayBuffer | null = null;

  private sharesMemory(): boolean {
    return this.pool.threads > 0 && this.pool.sharedMemory && exchangeBytes(this.ncols) <= MAX_EXCHANGE_BYTES;
  }

  /**
   * The whole solve in the workers (src/pool/shared.ts): one request each, the Newton loop in every
   * one of them. An abort, a failed worker or a throwing onIteration stops all of them through the
   * exchange; the first error is the solve's.
   */
  private async solveShared(p: Prepared, t0: number): Promise<SolveResult> {
    const n = this.nrows;
    const exchange = (this.exchange ??= new SharedArrayBuffer(exchangeBytes(this.ncols)));
    resetExchange(exchange);
    // b and w^2 in shared memory, read by every worker; the result keeps them for sensitivity().
    const problem = new SharedArrayBuffer(16 * n);
    const b = new Float64Array(problem, 0, n);
    const w2 = new Float64Array(problem, 8 * n, n);
    b.set(p.b);
    w2.set(p.w2);
    const holders = this.owners.flatMap(({ lo, hi }, w) => (hi > lo ? [this.loadedOn.get(w)!] : []));
    let failure: { error: unknown } | null = null;
    const stop = (error: unknown) => {
      failure ??= { error };
      abortExchange(exchange);
    };
    const onAbort = () => stop(new HyperregError("ERR_ABORTED", "the solve was aborted by its AbortSignal"));
    p.signal?.addEventListener("abort", onAbort);
    // Reports come on a channel of their own: the result may overtake them, so it waits for all.
    let reported = 0;
    let heard = () => {};
    const channel = p.onIteration === undefined ? null : new MessageChannel();
    if (channel !== null) {
      channel.port1.onmessage = (ev: MessageEvent<IterationInfo>) => {
        reported++;
        heard();
        if (failure !== null) return;
        try {
          p.onIteration!(ev.data);
        } catch (e) {
          stop(e);
        }
      };
    }
    const { A: _A, threads: _threads, b: _b, w2: _w2, signal: _signal, onIteration: _onIteration, ...input } = p;
    const shape = { nrows: n, ncols: this.ncols, nnz: this.nnz, rowNnzSquares: this.rowNnzSquares, threads: this.pool.threads };
    try {
      const answers = await Promise.allSettled(
        holders.map((slot, w) => {
          const port = w === 0 && channel !== null ? Comlink.transfer(channel.port2, [channel.port2]) : undefined;
          return slot.request((api) => api.solve(this.id, { ...input, setupMs: performance.now() - t0 }, exchange, problem, w, holders.length, shape, port)).catch((e: unknown) => {
            abortExchange(exchange);
            throw e;
          });
        }),
      );
      if (failure !== null) throw (failure as { error: unknown }).error;
      // The worker that failed, not the peers it stopped (they answer ERR_ABORTED, maybe sooner).
      const errors = answers.flatMap((a) => (a.status === "rejected" ? [a.reason as unknown] : []));
      if (errors.length > 0) throw errors.find((e) => !(e instanceof HyperregError && e.code === "ERR_ABORTED")) ?? errors[0];
      const result = (answers[0] as PromiseFulfilledResult<SolveResult>).value;
      while (channel !== null && reported < result.history.length && failure === null) await new Promise<void>((resolve) => (heard = resolve));
      if (failure !== null) throw (failure as { error: unknown }).error;
      return withProblem(result, { ...p, b, w2 });
    } finally {
      p.signal?.removeEventListener("abort", onAbort);
      channel?.port1.close();
    }
  }

  /** Runs `work` on this model's engine after every earlier request on the model has finished. */
  private exclusive<T>(work: (engine: BlockEngine, dense: DenseWork) => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new HyperregError("ERR_ABORTED", "the model was disposed"));
    const next = this.queue.then(async () => {
      await this.ready();
      this.dense ??= new DenseWork(await newKernels(), this.ncols, this.pool.threads > 0 ? this.denseOffload() : undefined);
      return work(this.engine(), this.dense);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Frees the model's blocks in the workers. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue;
    this.local = null;
    await Promise.allSettled([...this.loadedOn.values()].map((slot) => slot.request((api) => api.drop(this.id))));
    this.loadedOn.clear();
  }

  /** The dense work runs on one worker (the last): it comes between passes, when workers are idle. */
  private denseOffload(): DenseOffload {
    const on = () => this.pool.worker(this.pool.threads - 1);
    return {
      factor: async (d, G, shift) => (await on()).request((api) => api.factor(d, G, shift)),
      sketchGram: async (d, S, m) => (await on()).request((api) => api.sketchGram(d, Comlink.transfer(S, [S.buffer]), m)),
    };
  }

  /** @internal The engine over this model's blocks (benchmarks time single passes with it). */
  engine(): BlockEngine {
    if (this.local !== null) return this.local;
    return new PoolEngine(this, this.blocks, this.owners, [...this.owners.keys()].map((w) => this.loadedOn.get(w) ?? null));
  }

  /** @internal */
  get shape() {
    return { nrows: this.nrows, ncols: this.ncols, nnz: this.nnz, rowNnzSquares: this.rowNnzSquares, id: this.id, threads: this.pool.threads };
  }
}

/** The engine over a model's workers: one request per worker per pass, partials in block order. */
class PoolEngine extends BlockEngine {
  readonly nrows: number;
  readonly ncols: number;
  readonly nnz: number;
  readonly rowNnzSquares: number;
  readonly threads: number;
  private readonly id: number;
  /** Workers that own blocks, in block order, with the blocks they own. */
  private readonly owners: { slot: WorkerSlot; lo: number; hi: number }[];
  /**
   * Buffers of reduced partials, per owner, to hand back with its next request (BlockSet.recycle),
   * and the owner each partial's buffer came from until it is reduced.
   */
  private readonly spare: ArrayBuffer[][];
  private readonly origin = new Map<ArrayBuffer, number>();

  constructor(model: Model, private readonly blocks: RowBlock[], owners: { lo: number; hi: number }[], slots: (WorkerSlot | null)[]) {
    super();
    ({ nrows: this.nrows, ncols: this.ncols, nnz: this.nnz, rowNnzSquares: this.rowNnzSquares, id: this.id, threads: this.threads } = model.shape);
    this.owners = owners.flatMap((o, w) => (o.hi > o.lo ? [{ ...o, slot: slots[w]! }] : []));
    this.spare = this.owners.map(() => []);
  }

  protected readonly run: BlockCall = async <M extends BlockMethod>(method: M, args: Parameters<BlockSet[M]>) => {
    const parts = await Promise.all(
      this.owners.map(async ({ slot }, w) => {
        const spare = this.spare[w]!;
        this.spare[w] = [];
        const part = await slot.request((api) => api.call(this.id, method, args, Comlink.transfer(spare, spare)) as Promise<ReturnType<BlockSet[M]>>);
        for (const buffer of buffersOf(part)) this.origin.set(buffer, w);
        return part;
      }),
    );
    return parts.flat() as ReturnType<BlockSet[M]>;
  };

  protected override recycle(parts: unknown): void {
    for (const buffer of buffersOf(parts)) {
      const w = this.origin.get(buffer);
      if (w === undefined) continue;
      this.origin.delete(buffer);
      this.spare[w]!.push(buffer);
    }
  }

  async setProblem(f: number, b: Float64Array, w2: Float64Array, rescaled = false): Promise<void> {
    await Promise.all(
      this.owners.map(async ({ slot, lo, hi }) => {
        // The owner's rows in runs of whole blocks of at most CHUNK_ROWS rows (a longer block goes
        // alone), copied into two buffers that the worker hands back for the next run: a subarray
        // would post all of b, and copies of the whole share would sit in both threads until their
        // next garbage collection (16 bytes a row).
        const runs: RowBlock[][] = [];
        for (const blk of this.blocks.slice(lo, hi)) {
          const run = runs.at(-1);
          if (run !== undefined && blk.rowEnd - run[0]!.rowStart <= CHUNK_ROWS) run.push(blk);
          else runs.push([blk]);
        }
        const longest = Math.max(...runs.map((r) => r.at(-1)!.rowEnd - r[0]!.rowStart));
        let buffers = [new ArrayBuffer(8 * longest), new ArrayBuffer(8 * longest)] as const;
        let first = 0;
        for (const run of runs) {
          const start = run[0]!.rowStart;
          const data = run.map((blk) => {
            const at = 8 * (blk.rowStart - start);
            const rows = blk.rowEnd - blk.rowStart;
            const p = { b: new Float64Array(buffers[0], at, rows), w2: new Float64Array(buffers[1], at, rows) };
            p.b.set(b.subarray(blk.rowStart, blk.rowEnd));
            p.w2.set(w2.subarray(blk.rowStart, blk.rowEnd));
            return p;
          });
          const back = await slot.request((api) => api.setProblem(this.id, f, Comlink.transfer(data, [...buffers]), rescaled, first));
          buffers = [back[0]!, back[1]!];
          first += run.length;
        }
      }),
    );
  }
}
