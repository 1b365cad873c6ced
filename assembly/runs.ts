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
