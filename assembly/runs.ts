// SPDX-License-Identifier: MIT
// Runs of rows for the fused one-pass kernels (dcsrhypgrad, dcsrresgrad): each run is read from
// memory once and again from cache.

/** Nonzeros per run: a run's values and indices (about 96 KiB) are still in cache when it is read again. */
const RUN_NNZ = 8192;

/** End of the run of rows from row i0 of a block of nrows: one row at least, more while the run has under RUN_NNZ nonzeros. */
// @ts-ignore: decorator
@inline export function runEnd(Ap: usize, i0: i32, nrows: i32): i32 {
  const p0 = load<i32>(Ap + (<usize>i0 << 2));
  let i1 = i0 + 1;
  while (i1 < nrows && load<i32>(Ap + (<usize>i1 << 2)) - p0 < RUN_NNZ) i1++;
  return i1;
}

/**
 * The length of every row of rows [i0, i1) when they are all the same contiguous run of columns
 * (dense rows: the fused kernels then overlap one row's load with the previous row's update), else 0.
 * Columns are sorted and unique in a row, so its first and last index tell whether it is contiguous.
 */
// @ts-ignore: decorator
@inline export function denseRun(Ap: usize, Aj: usize, i0: i32, i1: i32): i32 {
  const p0 = load<i32>(Ap + (<usize>i0 << 2));
  const len = load<i32>(Ap + ((<usize>i0 + 1) << 2)) - p0;
  if (len <= 0 || load<i32>(Ap + (<usize>i1 << 2)) - p0 != len * (i1 - i0)) return 0;
  const j0 = load<i32>(Aj + (<usize>p0 << 2));
  for (let s = p0; s < p0 + len * (i1 - i0); s += len) {
    if (load<i32>(Aj + (<usize>s << 2)) != j0 || load<i32>(Aj + (<usize>(s + len - 1) << 2)) != j0 + len - 1) return 0;
  }
  return len;
}
