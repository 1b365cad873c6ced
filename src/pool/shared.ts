// SPDX-License-Identifier: MIT
// A whole solve inside the workers, where threads can share memory. Every worker runs the same
// Newton loop (solve.ts runNewton) on a SharedEngine: a pass runs on the worker's own blocks, and
// the blocks' partials are summed in block order along a chain through shared memory. Worker 0
// starts from its first block; each worker adds its blocks to the running sum and hands it on;
// then all of them read the total. So every worker holds the calling thread's bits and takes the
// same decisions, and no pass waits for a message. On a virtual machine, waking a thread by message
// costs 50-150 us each way, and a pass at nnz = 1e6 takes about 1 ms: a CG step's products paid
// for a round trip each.
//
// The exchange (one SharedArrayBuffer per model): Int32 control words, then two slots, each
// SCALARS doubles and a vector of `exchangeCapacity(d)` doubles. Rounds alternate between the
// slots: worker 0 writes a slot again only after every worker has added to the round in between,
// and so has finished reading the slot's last total.
import { HyperregError } from "../errors.js";
import { MERGE, VECTOR, type BlockSet } from "../engine/blockset.js";
import { type BlockCall, BlockEngine, type BlockMethod, type EngineShape, problemSlices } from "../engine/engine.js";
import { buffersOf } from "./wire.js";

/** rounds * workers + the worker whose turn it is: it only rises. */
const TOKEN = 0;
/** Set by the calling thread (an abort, a failed worker) or by a worker that threw. */
const ABORT = 1;
/** Workers whose solve ended. One still waiting after that waits for a pass no peer will make. */
const DONE = 2;
const CONTROL_BYTES = 64;
const SCALARS = 8;
/** Polls of the token before a worker sleeps: a peer about to hand on is cheaper to wait for awake. */
const SPIN = 4000;
/** A sleeping worker looks at ABORT and DONE this often even if nobody wakes it. */
const WAIT_MS = 50;

/** Doubles in an exchange slot's vector: the longest partial, the CountSketch of 2d rows (2 d^2), and then some. */
export function exchangeCapacity(d: number): number {
  return 2 * d * d + 3 * d;
}

export function exchangeBytes(d: number): number {
  return CONTROL_BYTES + 2 * 8 * (SCALARS + exchangeCapacity(d));
}

/** Readies an exchange for the next solve. */
export function resetExchange(buffer: SharedArrayBuffer): void {
  new Int32Array(buffer, 0, 4).fill(0);
}

/** Stops every worker's solve on this exchange: their waits throw ERR_ABORTED. */
export function abortExchange(buffer: SharedArrayBuffer): void {
  const control = new Int32Array(buffer, 0, 4);
  Atomics.store(control, ABORT, 1);
  Atomics.notify(control, TOKEN);
}

const aborted = () => new HyperregError("ERR_ABORTED", "the solve was aborted by its AbortSignal");

/** What the Newton loop checks of its AbortSignal, read from the exchange. */
export function exchangeSignal(buffer: SharedArrayBuffer): AbortSignal {
  const control = new Int32Array(buffer, 0, 4);
  return { get aborted() { return Atomics.load(control, ABORT) !== 0; } } as AbortSignal;
}

type Partial = Float64Array | Record<string, number | Float64Array>;

export class SharedEngine extends BlockEngine {
  readonly nrows: number;
  readonly ncols: number;
  readonly nnz: number;
  readonly rowNnzSquares: number;
  readonly threads: number;
  private readonly control: Int32Array;
  private readonly capacity: number;
  private round = 0;

  /**
   * @param worker     this worker's place in block order among the `workers` that hold blocks.
   * @param beforePass runs before every pass (a test's armed fault fires there).
   */
  constructor(
    private readonly set: BlockSet,
    private readonly buffer: SharedArrayBuffer,
    private readonly worker: number,
    private readonly workers: number,
    shape: EngineShape,
    private readonly beforePass: () => Promise<void>,
  ) {
    super();
    ({ nrows: this.nrows, ncols: this.ncols, nnz: this.nnz, rowNnzSquares: this.rowNnzSquares, threads: this.threads } = shape);
    this.control = new Int32Array(buffer, 0, 4);
    this.capacity = exchangeCapacity(shape.ncols);
  }

  /** Every pass resolves at once: the solve yields for events itself. */
  override get inThread(): boolean {
    return true;
  }

  protected readonly run: BlockCall = async (method, args) => {
    await this.beforePass();
    const parts = (this.set[method] as (...a: typeof args) => Partial[])(...args);
    const total = this.chain(method, parts);
    this.set.recycle(buffersOf(parts));
    return [total] as never;
  };

  async setProblem(f: number, b: Float64Array, w2: Float64Array, rescaled = false): Promise<void> {
    this.set.setProblem(f, problemSlices(this.set.rowBlocks, b, w2), rescaled);
  }

  /** This worker's solve ended: a peer that waits for it now would wait for ever. */
  finish(): void {
    Atomics.add(this.control, DONE, 1);
    Atomics.notify(this.control, TOKEN);
  }

  /** This worker's solve threw: its peers stop too. */
  fail(): void {
    abortExchange(this.buffer);
  }

  /** The sum of every block's partial, in block order, as folding them in one thread would make it. */
  private chain(method: BlockMethod, parts: Partial[]): Partial {
    const { workers, worker } = this;
    const r = this.round++;
    const base = CONTROL_BYTES + (r & 1) * 8 * (SCALARS + this.capacity);
    const slotScalars = new Float64Array(this.buffer, base, SCALARS);
    const acc = new Float64Array(this.buffer, base + 8 * SCALARS, this.capacity);
    const key = VECTOR[method];
    const vectorOf = (p: Partial): Float64Array | null => (key === null ? null : key === "" ? (p as Float64Array) : ((p as Record<string, Float64Array>)[key] ?? null));
    const scalarsOf = (p: Partial): Record<string, number> | null => {
      if (key === "") return null;
      const { [key ?? ""]: _vector, ...rest } = p as Record<string, number>;
      return rest;
    };
    const merge = (MERGE as unknown as Record<string, (a: Record<string, number>, v: Record<string, number>) => Record<string, number>>)[method];
    const names = Object.keys(scalarsOf(parts[0]!) ?? {}).sort();
    const len = vectorOf(parts[0]!)?.length ?? 0;
    if (len > this.capacity || names.length > SCALARS) throw new HyperregError("ERR_INTERNAL", `a ${method} partial does not fit the exchange`);
    const read = () => Object.fromEntries(names.map((n, i) => [n, slotScalars[i]!]));

    this.waitFor(r * workers + worker);
    let sum: Record<string, number> | null;
    let next = 0;
    if (worker === 0) {
      const v = vectorOf(parts[0]!);
      if (v !== null) acc.set(v);
      sum = scalarsOf(parts[0]!);
      next = 1;
    } else {
      sum = read();
    }
    for (let i = next; i < parts.length; i++) {
      const v = vectorOf(parts[i]!);
      if (v !== null) for (let j = 0; j < len; j++) acc[j]! += v[j]!;
      if (sum !== null && merge !== undefined) sum = merge(sum, scalarsOf(parts[i]!)!);
    }
    names.forEach((n, i) => (slotScalars[i] = sum![n]!));
    Atomics.store(this.control, TOKEN, r * workers + worker + 1);
    Atomics.notify(this.control, TOKEN);

    this.waitFor((r + 1) * workers);
    const vector = acc.slice(0, len);
    if (key === "") return vector;
    return key === null ? read() : { ...read(), [key]: vector };
  }

  private waitFor(target: number): void {
    const c = this.control;
    for (let spin = 0; ; spin++) {
      const token = Atomics.load(c, TOKEN);
      if (token >= target) return;
      if (Atomics.load(c, ABORT) !== 0) throw aborted();
      // A peer may have handed on and finished its solve since the token was read.
      if (Atomics.load(c, DONE) !== 0 && Atomics.load(c, TOKEN) < target) throw new HyperregError("ERR_INTERNAL", "a worker waited for a pass its peers never made: their solves went apart");
      if (spin >= SPIN) Atomics.wait(c, TOKEN, token, WAIT_MS);
    }
  }
}
