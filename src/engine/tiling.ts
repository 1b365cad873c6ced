// SPDX-License-Identifier: MIT
// Row blocks of A. The tiling depends on A alone, never on the thread count: partial sums are
// formed per block and reduced in block order, so every thread count gives the same bits.
import type { CsrMatrix } from "../types.js";

export interface RowBlock {
  /** Block index, the order of every reduction. */
  readonly index: number;
  readonly rowStart: number;
  readonly rowEnd: number;
}

/** Aim for this many nonzeros per block: big enough that a block's d x d partial is cheap to move. */
export const TARGET_NNZ = 1 << 19;
/** Enough blocks for 16 threads to share large matrices evenly. */
const TARGET_BLOCKS = 64;

/** Cuts A into row blocks of about `target` nonzeros (at most TARGET_BLOCKS of them). */
export function tileRows(A: CsrMatrix, target = TARGET_NNZ): RowBlock[] {
  const nnz = A.indptr[A.nrows]!;
  const per = Math.max(target, Math.ceil(nnz / TARGET_BLOCKS));
  const blocks: RowBlock[] = [];
  let start = 0;
  while (start < A.nrows || blocks.length === 0) {
    const limit = A.indptr[start]! + per;
    let end = start + 1;
    // Cut where the cumulative nonzero count passes the target; a block holds at least one row.
    while (end < A.nrows && A.indptr[end + 1]! <= limit) end++;
    end = Math.min(end, A.nrows);
    blocks.push({ index: blocks.length, rowStart: start, rowEnd: end });
    start = end;
  }
  return blocks;
}
