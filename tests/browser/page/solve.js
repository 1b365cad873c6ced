// SPDX-License-Identifier: MIT
// The browser test page (tests/browser.test.ts): solves a generated problem with the library bundle
// while a requestAnimationFrame loop measures how long the main thread goes without a frame.
import { generateProblem, solve } from "/dist/hyperreg.js";

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

/**
 * `generate` goes to generateProblem, `options` to solve; with `returnProblem` the generated A, b and w
 * come back too. The answer is plain data for the test.
 */
async function solveWithFrames({ generate, options, returnProblem = false }) {
  // Building the problem may hold this thread: it happens before the frames are watched.
  const problem = generateProblem(generate);
  await nextFrame();
  // Not the callback's timestamp: Chromium stamps a frame when it was scheduled, so a frame that runs
  // after the thread was held for a second still reads one frame interval after the previous one.
  let last = performance.now();
  let frames = 0;
  let maxFrameGapMs = 0;
  let watching = true;
  const frame = () => {
    const now = performance.now();
    maxFrameGapMs = Math.max(maxFrameGapMs, now - last);
    last = now;
    frames++;
    if (watching) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);

  const t0 = performance.now();
  let result = null;
  let error = null;
  try {
    result = await solve(problem, options);
  } catch (e) {
    error = { name: e?.name, code: e?.code, message: e?.message ?? String(e) };
  }
  const solveMs = performance.now() - t0;
  // A solve that held the thread left a gap that only the next frame closes.
  await nextFrame();
  watching = false;

  const { A, b, w } = problem;
  return {
    status: result?.status,
    message: result?.message,
    loss: result?.loss,
    gradNorm: result?.gradNorm,
    tol: result?.tol,
    x: result ? Array.from(result.x) : null,
    iterations: result?.iterations,
    threads: result?.threads,
    // The static server sends COOP and COEP: the page has SharedArrayBuffer, so a pool solves inside its workers.
    isolated: globalThis.crossOriginIsolated === true,
    solveMs,
    maxFrameGapMs,
    frames,
    error,
    problem: returnProblem
      ? { nrows: A.nrows, ncols: A.ncols, indptr: Array.from(A.indptr), indices: Array.from(A.indices), data: Array.from(A.data), b: Array.from(b), w: Array.from(w) }
      : null,
  };
}

window.solveWithFrames = solveWithFrames;
