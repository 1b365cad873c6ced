// SPDX-License-Identifier: MIT
// The engine in the calling thread: one kernel instance holds every row block.
import { newKernels } from "../kernel-module.js";
import type { Arena } from "../kernels.js";
import type { CsrMatrix } from "../types.js";
import { BlockSet, type BlockData } from "./blockset.js";
import { type BlockCall, BlockEngine, problemSlices } from "./engine.js";
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
   * @param blockNnz  target nonzeros per row block (tests use small blocks to exercise the reductions).
   */
  constructor(A: CsrMatrix, arena: Arena, blockNnz?: number) {
    super();
    this.nrows = A.nrows;
    this.ncols = A.ncols;
    this.nnz = A.indptr[A.nrows]!;
    this.rowNnzSquares = rowNnzSquares(A);
    this.blocks = tileRows(A, blockNnz);
    // One set holds every block, so it folds the partials in Wasm memory (same bits as per block).
    this.set = new BlockSet(arena, A.ncols, this.blocks.map((b) => sliceBlock(A, b)), true);
  }

  static async create(A: CsrMatrix, blockNnz?: number): Promise<LocalEngine> {
    return new LocalEngine(A, await newKernels(), blockNnz);
  }

  async setProblem(f: number, b: Float64Array, w2: Float64Array, rescaled = false): Promise<void> {
    this.set.setProblem(f, problemSlices(this.blocks, b, w2), rescaled);
  }
}
