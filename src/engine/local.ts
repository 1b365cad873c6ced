// SPDX-License-Identifier: MIT
// The engine in the calling thread: one kernel instance holds every row block.
import { createKernels } from "../kernels.js";
import type { CsrMatrix } from "../types.js";
import { BlockSet, type BlockData } from "./blockset.js";
import { type Engine, reduceEval, reduceLine, reduceSample, sumInOrder } from "./engine.js";
import { type RowBlock, tileRows } from "./tiling.js";

/** The rows of one block: views of A's indices and data, with block-local row pointers. */
export function sliceBlock(A: CsrMatrix, block: RowBlock): BlockData {
  const p0 = A.indptr[block.rowStart]!;
  const p1 = A.indptr[block.rowEnd]!;
  const indptr = new Int32Array(block.rowEnd - block.rowStart + 1);
  for (let i = 0; i < indptr.length; i++) indptr[i] = A.indptr[block.rowStart + i]! - p0;
  return { block, indptr, indices: A.indices.subarray(p0, p1), data: A.data.subarray(p0, p1) };
}

export function rowNnzSquares(A: CsrMatrix): number {
  let s = 0;
  for (let i = 0; i < A.nrows; i++) {
    const k = A.indptr[i + 1]! - A.indptr[i]!;
    s += k * k;
  }
  return s;
}

export class LocalEngine implements Engine {
  readonly threads = 1;
  readonly nrows: number;
  readonly ncols: number;
  readonly nnz: number;
  readonly rowNnzSquares: number;

  private constructor(A: CsrMatrix, private readonly blocks: RowBlock[], private readonly set: BlockSet) {
    this.nrows = A.nrows;
    this.ncols = A.ncols;
    this.nnz = A.indptr[A.nrows]!;
    this.rowNnzSquares = rowNnzSquares(A);
  }

  static async create(A: CsrMatrix): Promise<LocalEngine> {
    const arena = await createKernels();
    const blocks = tileRows(A);
    // One set holds every block, so it folds the partials in Wasm memory (same bits as per block).
    const set = new BlockSet(arena, A.ncols, blocks.map((b) => sliceBlock(A, b)), true);
    return new LocalEngine(A, blocks, set);
  }

  async setProblem(f: number, b: Float64Array, w2: Float64Array): Promise<void> {
    this.set.setProblem(
      f,
      this.blocks.map((blk) => ({ b: b.subarray(blk.rowStart, blk.rowEnd), w2: w2.subarray(blk.rowStart, blk.rowEnd) })),
    );
  }

  async evaluate(x: Float64Array) {
    return reduceEval(this.set.evaluate(x));
  }

  async step(t: number) {
    return reduceEval(this.set.step(t));
  }

  async exactGram(modified: boolean) {
    return sumInOrder(this.set.exactGram(modified));
  }

  async negativeGram(psd: boolean) {
    return sumInOrder(this.set.negativeGram(psd));
  }

  async sketch(m: number, key: readonly [number, number]) {
    return sumInOrder(this.set.sketch(m, key));
  }

  async sampleGram(Q: Float64Array, kq: number, scale: number, key: readonly [number, number]) {
    return reduceSample(this.set.sampleGram(Q, kq, scale, key));
  }

  async hessVec(v: Float64Array, modified: boolean, carry?: number | null) {
    return sumInOrder(this.set.hessVec(v, modified, carry));
  }

  async cgDirection(carry: number) {
    return reduceLine(this.set.cgDirection(carry));
  }

  async direction(dx: Float64Array) {
    return reduceLine(this.set.direction(dx));
  }

  async lossAt(t: number) {
    return reduceLine(this.set.lossAt(t));
  }

  async close(): Promise<void> {}
}
