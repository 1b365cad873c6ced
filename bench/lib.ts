// SPDX-License-Identifier: MIT
// Timing helpers: warm-up past tier-up, contenders interleaved round by round (the machine is
// shared and noisy: absolute times drift, ratios taken in the same rounds hold), medians; and the
// bytes a pass over A loads, for bandwidth figures.
import type { CsrMatrix } from "../src/index.js";

export const quick = process.argv.includes("--quick");

export interface Contender {
  name: string;
  run: () => unknown | Promise<unknown>;
}

/**
 * Collects the garbage of earlier runs (run.mjs starts Node with --expose-gc) so that no contender
 * pays for freeing the previous one's memory: a solve drops a Wasm memory as large as A.
 */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median milliseconds per contender over `rounds` interleaved rounds after `warmup` rounds. */
export async function race(contenders: readonly Contender[], rounds: number, warmup = 2): Promise<Map<string, number>> {
  const times = await raceRounds(contenders, rounds, warmup);
  return new Map([...times].map(([k, v]) => [k, median(v)]));
}

/** Milliseconds per contender and round, for ratios paired within a round (they share its load). */
export async function raceRounds(contenders: readonly Contender[], rounds: number, warmup = 2): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < warmup + rounds; r++) {
    // Rotate the order so no contender always runs right after the same one.
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(i + r) % contenders.length]!;
      collectGarbage();
      const t0 = performance.now();
      await c.run();
      const dt = performance.now() - t0;
      if (r >= warmup) times.get(c.name)!.push(dt);
    }
  }
  return times;
}

export function line(fields: Record<string, string | number>): void {
  console.log(
    Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === "number" ? (Number.isInteger(v) ? v : v.toPrecision(4)) : v}`)
      .join("  "),
  );
}

/**
 * Bytes one pass over A in CSR loads: 8 a nonzero, 4 a row pointer, and the column indices, 4 a
 * nonzero. hyperreg's kernels (`runs`) read only the first and last index of a row whose columns form
 * one contiguous run (then the row is one dense stretch): two 64-byte cache lines at most, where a
 * loop over the indices, the hand-written Newton's, reads them all.
 */
export function csrBytes(A: CsrMatrix, runs: boolean): number {
  let bytes = 4 * (A.nrows + 1);
  for (let i = 0; i < A.nrows; i++) {
    const p0 = A.indptr[i]!;
    const k = A.indptr[i + 1]! - p0;
    const contiguous = k > 0 && A.indices[p0 + k - 1]! - A.indices[p0]! === k - 1;
    bytes += 8 * k + (runs && contiguous ? Math.min(4 * k, 128) : 4 * k);
  }
  return bytes;
}
