// SPDX-License-Identifier: MIT
// The engine in the calling thread: one kernel instance holds every row block.
import { newKernels } from "../kernel-module.js";
import type { Arena } from "../kernels.js";
import type { CsrMatrix } from "../types.js";
import { BlockSet, type BlockData } from "./blockset.js";
import { type BlockCall, BlockEngine, problemSlices } from "./engine.js";
import { type RowBlock, tileRows } from "./tiling.js";

/**
 * Rows [start, end) of a block: views of A's indices and data, and the rows' pointers made
 * block-local (relative to the block's first nonzero) in `indptr` (end - start + 1 of them).
 */
export function sliceRows(A: CsrMatrix, block: RowBlock, start = block.rowStart, end = block.rowEnd, indptr = new Int32Array(end - start + 1)): BlockData {
  const base = A.indptr[block.rowStart]!;
  for (let i = 0; i < indptr.length; i++) indptr[i] = A.indptr[start + i]! - base;
  const p0 = A.indptr[start]!;
  const p1 = A.indptr[end]!;
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

export class LocalEngine extends BlockEngine {
  readonly threads = 0;
  readonly nrows: number;
  readonly ncols: number;
  readonly nnz: number;
  readonly rowNnzSquares: number;
  private readonly blocks: RowBlock[];
  private readonly set: BlockSet;
  protected readonly run: BlockCall = async (method, args) => (this.set[method] as (...a: typeof args) => never)(...args);

  /**
   * @param blocks  the row tiling (tileRows; tests use small blocks to exercise the reductions).
   * @param rowSq   rowNnzSquares(A), when the caller has it already.
   */
  constructor(A: CsrMatrix, arena: Arena, blocks: RowBlock[], rowSq = rowNnzSquares(A)) {
    super();
    this.nrows = A.nrows;
    this.ncols = A.ncols;
    this.nnz = A.indptr[A.nrows]!;
    this.rowNnzSquares = rowSq;
    this.blocks = blocks;
    // One set holds every block, so it folds the partials in Wasm memory (same bits as per block).
    this.set = new BlockSet(arena, A.ncols, blocks.map((b) => sliceRows(A, b)), true);
  }

  /** An engine over A tiled by `blockNnz` (tileRows's target nonzeros per block). */
  static async create(A: CsrMatrix, blockNnz?: number): Promise<LocalEngine> {
    return new LocalEngine(A, await newKernels(), tileRows(A, blockNnz));
  }

  async setProblem(f: number, b: Float64Array, w2: Float64Array, rescaled = false): Promise<void> {
    this.set.setProblem(f, problemSlices(this.blocks, b, w2), rescaled);
  }
}
