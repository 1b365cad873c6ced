// SPDX-License-Identifier: MIT
// Newton directions from the three Hessian models (math.md sections 3-4), and the `auto` choice.
import type { DenseWork } from "./dense.js";
import type { Engine, Evaluation } from "./engine/engine.js";
import type { JlMap, Key } from "./engine/blockset.js";
import type { HessianUsed } from "./types.js";
import { dot, norm2 } from "./vec.js";

export interface StepConfig {
  /** The model of every step, or of the steps after CG with Jacobi scaling gave up (StepState.plain). */
  mode: Exclude<HessianUsed, "cg">;
  /** Expected rows in the sampled Hessian. */
  sampleSize: number;
  seed: number;
  /** Gradient tolerance of the whole solve: CG need not resolve far below it. */
  tol: number;
  gradNorm0: number;
  signal: AbortSignal | undefined;
}

export interface Step {
  /** The model this step used. */
  used: HessianUsed;
  /** The direction, or null when no positive definite model could be factored. */
  dx: Float64Array | null;
  sketchRows: number | null;
  /** Whether the Hessian model was built at this step from its own sketch (see IterationInfo.sketchFresh). */
  sketchFresh: boolean;
  cgIterations: number | null;
  /** Diagonal shift that made the model factorable (0 when none was needed). */
  shift: number;
  hessianMs: number;
  solveMs: number;
}

/**
 * Fresh draws of a sample that missed a direction: a sample is random, and with small probability it
 * keeps no row of some direction of G (a column of a one-hot A, say, when the JL estimate of its
 * rows' scores came out far too low). Only a tiny diagonal shift then makes the model factorable,
 * and that direction's step comes out enormous: no line search can use it, on a problem that is
 * strongly convex. The leverage sketch's factor says whether G has such a direction at all; when it
 * needed no shift and the sampled model does, sketch, JL map and sample are drawn again.
 */
const MAX_RESAMPLES = 3;
/** Stream purposes of a redrawn sample: attempt a takes purpose + RESAMPLE_PURPOSE * a. */
const RESAMPLE_PURPOSE = 16;

/**
 * The plain sketch scores its sample against an earlier draw's R and JL map once Newton converges:
 * while the gradient falls by at least REUSE_RATE a step, and, after a step that reused them, by at
 * least the square root of the contraction of the step that drew them fresh. H then moves little
 * from step to step, and the scores, which sampling needs only to a constant factor, move as little.
 * The sample itself is drawn afresh at the step's own weights (and p1: an unbiased estimate whatever
 * the scores), so stale scores only add variance. Such a step skips the sketch and the JL pass (k
 * multiply-adds a nonzero): the regularized step makes no pass for its sample, the rescaled one a
 * matvec for J's scores at its p1, about half of a fresh step on dense rows; two reused steps pay
 * for one fresh step when each contracts by the square root of its rate.
 * Measured on the bench's dense rows (200000 x 200, four seeds each): the same Newton step counts as
 * fresh scores at every step (regularized 12-13, rescaled with w = 4 12-13, rescaled wide logits
 * 14-15), 10-12 of the steps reusing, and 45-50% less time per solve (22% on the wide logits, whose
 * damped steps draw fresh).
 */
const REUSE_RATE = 0.5;
/**
 * Reused scores are dropped when the sample they draw keeps more than twice, or less than half, the
 * rows of the fresh draw: the factor has moved enough to matter (near a good fit, where J^T J is
 * nearly singular, its small directions move fast), and the next step scores afresh.
 */
const REUSE_DRIFT = 2;

/** Rows of the CountSketch used for leverage scores, per column of A. */
const SKETCH_ROWS_PER_COL = 2;
/** CG stops early after this many iterations; the line search still guards the step. */
const MAX_CG = 50;
/**
 * CG with Jacobi scaling is given up once, after at least PLAIN_PATIENCE iterations, its residual
 * contraction per iteration is worse than PLAIN_RATE; the solve then turns to its fallback model for
 * good. A sketched preconditioner of eps = 0.5 contracts about 0.25 per iteration: plain CG at 0.5
 * needs about twice the products, still cheaper than building the sketch (a few passes and an O(s d^2)
 * Gram) unless many steps follow. With the Jacobi scaling it takes 1-4 iterations a step on every
 * family of the bench (Gaussian dense rows, uniform and skewed sparse rows, one-hot rows, columns
 * over three decades; without it, the last three contracted at 0.75-0.95); on nearly dependent
 * columns, which no scaling separates, it still gives up within PLAIN_PATIENCE.
 */
const PLAIN_RATE = 0.5;
const PLAIN_PATIENCE = 3;
/**
 * The plain steps' Jacobi scaling is taken again at the next step once CG contracted slower than
 * this with it: a pass over A (dcsrdiag; regularized, work inside the evaluation's pass instead),
 * against the products a scaling that no longer fits the weights costs.
 */
const JACOBI_REFRESH_RATE = 0.25;
/**
 * A reused preconditioner is rebuilt once CG's residual contraction per iteration is worse than
 * this and than the square root of its contraction when fresh (twice the iterations for the same
 * reduction). Measured as a rate, not a count: the forcing term tightens as Newton converges, so
 * a good preconditioner needs more iterations on later steps.
 */
const REBUILD_RATE = 0.5;
/** Eisenstat-Walker choice 2: eta_k = GAMMA (||g_k|| / ||g_{k-1}||)^2, at most ETA_MAX. */
const EW_GAMMA = 0.9;
const ETA_MAX = 0.1;

/**
 * Columns of the JL map for leverage scores. The papers take 8 ln n, for (1 +- 1/2) accuracy on all
 * n rows at once (a union bound); sampling does not need that. Scores off by a constant factor keep
 * the estimate unbiased (the 1/p weights), a row scored low only adds variance, and what matters is
 * the spectral error of the sampled Hessian, which is the plain sketch's convergence rate. Measured on
 * the rescaled exp problem at x = 0, 200000 x 200, s = 3.6 d / 0.5^2, five seeds (median / worst):
 * Gaussian rows k = 98 (8 ln n): 0.39 / 0.42, k = 16: 0.43 / 0.44, k = 8: 0.50 / 0.51; power-law
 * rows (4 a row, skewed scores) k = 98: 0.53 / 0.65, k = 16: 0.62 / 0.74, k = 8: 0.69 / 1.11. So the
 * plain sketch takes 16 (12 Newton steps on the Gaussian problem, as with 98, for a leverage pass of
 * 16 instead of 98 multiply-adds per nonzero) and stays clear of an error near 1. As a CG
 * preconditioner the sample only sets the CG count, so sketch-pcg takes 8 and keeps this O(nnz k)
 * pass near the cost of one matvec.
 */
export function jlColumns(nrows: number, ncols: number, mode: HessianUsed): number {
  return Math.min(ncols, mode === "sketch-pcg" ? 8 : 16, Math.ceil(8 * Math.log(Math.max(nrows, 2))));
}

/**
 * The JL map in the precision its scores can take: single (the kernels then sum a_i^T Q in f32, at
 * half the instructions) where the rounding stays far below the JL estimate's own spread, sqrt(2/k)
 * (35% at k = 16), else double. In f32, a_i^T Q's error is about sqrt(k_i) 2^-24 ||a_i|| ||Q||_F
 * (random-walk rounding of the k_i <= d terms), against a score root ||R^{-T} a_i|| >= ||a_i|| /
 * ||R||_F; so single is taken when sqrt(d) 2^-24 ||R||_F ||Q||_F <= 1/64, with ||R||_F^2 the trace
 * of the factored Gram and ||Q||_F about ||R^{-1}||_F (Pi's columns scaled by 1/sqrt(k)): a
 * Frobenius condition number up to 2^18 / sqrt(d), 18000 at d = 200. Columns over many decades or
 * nearly dependent ones keep double. `levGramTrace` includes any shift the factor took.
 */
export function jlPrecision(Q: Float64Array, kq: number, levGramTrace: number): JlMap {
  if (kq % 8 !== 0) return Q;
  const d = Q.length / kq;
  let qq = 0;
  let qmax = 0;
  for (const v of Q) {
    qq += v * v;
    qmax = Math.max(qmax, Math.abs(v));
  }
  // Q's entries must also sit well inside f32's exponent range.
  const fits = qmax < 2 ** 60 && qmax > 2 ** -60;
  return fits && Math.sqrt(d * levGramTrace * qq) * 2 ** -24 <= 1 / 64 ? Float32Array.from(Q) : Q;
}

/** A 64-bit stream key for (seed, iteration, purpose), as two 32-bit halves. */
export function streamKey(seed: number, iteration: number, purpose: number): Key {
  const mix = (h: number) => {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  const a = mix((seed >>> 0) ^ mix(iteration * 0x9e3779b9 + purpose));
  const b = mix(a ^ mix(Math.floor(seed / 2 ** 32) + 0x632be5ab + purpose * 0x27d4eb2f));
  return [a, b];
}


/**
 * Factors G into `slot`, adding the smallest diagonal shift 1e-12 * 100^k * max(diag) that makes it
 * positive definite (a Levenberg-Marquardt step: still a descent direction). Returns the shift used,
 * or -1 when even a shift of 1e-2 * max(diag) fails.
 */
async function factorWithShift(dense: DenseWork, slot: number, G: Float64Array): Promise<number> {
  if ((await dense.factor(slot, G)) === 0) return 0;
  const d = dense.d;
  let scale = 0;
  for (let i = 0; i < d; i++) scale = Math.max(scale, Math.abs(G[i * d + i]!));
  if (!(scale > 0) || !Number.isFinite(scale)) scale = 1;
  for (let shift = 1e-12 * scale; shift <= 1e-2 * scale; shift *= 100) {
    if ((await dense.factor(slot, G, shift)) === 0) return shift;
  }
  return -1;
}

const add = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]!);

/**
 * Lower triangle += the rescaled Hessian's rank-2 part P C P^T = bb p1 p1^T - p1 p2^T - p2 p1^T
 * (math.md section 2), or for a sampled J: beta p1 p1^T - p1 y^T - y p1^T. Returns G.
 */
function addRank2(G: Float64Array, p: Float64Array, q: Float64Array, pp: number): Float64Array {
  const d = p.length;
  for (let l = 0; l < d; l++) {
    for (let j = 0; j <= l; j++) G[l * d + j]! += pp * p[l]! * p[j]! - p[l]! * q[j]! - q[l]! * p[j]!;
  }
  return G;
}

/** H v's rank-2 part, added into y: p1 (bb <p1,v> - <p2,v>) - p2 <p1,v>. */
export function addRank2Vec(y: Float64Array, v: Float64Array, ev: Evaluation): Float64Array {
  const rs = ev.rescaled;
  if (rs === undefined) return y;
  const s1 = dot(rs.p1, v);
  const s2 = dot(rs.p2, v);
  const c1 = rs.bb * s1 - s2;
  for (let i = 0; i < y.length; i++) y[i]! += c1 * rs.p1[i]! - s1 * rs.p2[i]!;
  return y;
}

/** The exact Hessian's Gram with the rescaled rank-2 part added (nothing to add when regularized). */
export function withRank2(G: Float64Array, ev: Evaluation): Float64Array {
  const rs = ev.rescaled;
  return rs === undefined ? G : addRank2(G, rs.p1, rs.p2, rs.bb);
}

interface Factored {
  /** Diagonal shift used (0 none, -1 failed). */
  shift: number;
  /** Whether the factored model is the PSD (Gauss-Newton-modified) one rather than the true Hessian. */
  modified: boolean;
}

/**
 * Factors `base + correction(true weights)` into slot 0 when it is positive definite (the true
 * Hessian, or its sketch: Newton's fast local convergence even below the certificate), else
 * `base + correction(Gauss-Newton weights)`, shifted if need be. Without non-positive weights the
 * correction is empty and `base` is the model.
 */
async function factorModel(dense: DenseWork, negatives: number, base: () => Promise<Float64Array>, correction: (psd: boolean) => Promise<Float64Array | null>): Promise<Factored> {
  const G = await base();
  if (negatives === 0) return { shift: await factorWithShift(dense, 0, G), modified: false };
  const exactPart = await correction(false);
  if ((await dense.factor(0, exactPart === null ? G : add(G, exactPart))) === 0) return { shift: 0, modified: false };
  const psdPart = await correction(true);
  return { shift: await factorWithShift(dense, 0, psdPart === null ? G : add(G, psdPart)), modified: true };
}

/** The exact Hessian model into slot 0 (rescaled: A^T diag(u'^2 + e) A + P C P^T). */
export function factorExact(engine: Engine, dense: DenseWork, ev: Evaluation): Promise<Factored> {
  const { negatives } = ev;
  if (negatives === 0) return factorModel(dense, 0, async () => withRank2(await engine.exactGram(false), ev), async () => null);
  // Below the certificate: the true Gram, else the Gram with Gauss-Newton weights on those rows
  // (the rank-2 part belongs to both: it is J^T J's, which Gauss-Newton keeps).
  return factorModel(dense, negatives, async () => withRank2(new Float64Array(dense.d * dense.d), ev), async (psd) => engine.exactGram(psd));
}

/**
 * A sampled Hessian model A^T D~ A into slot 0 (math.md section 3): a CountSketch of
 * diag(sqrt(max(B, 0))) A gives R, JL row products give leverage scores, rows are kept with
 * probability proportional to them. Rows with B_i <= 0 are never sampled; they are added exactly.
 */
async function factorSketch(engine: Engine, dense: DenseWork, cfg: StepConfig, ev: Evaluation, iteration: number, reuse: JlScores | null): Promise<Drawn> {
  const { nrows, ncols } = engine;
  if (cfg.sampleSize >= nrows) {
    // Sampling as many rows as A has gives nothing over the exact Gram.
    return { ...(await factorExact(engine, dense, ev)), rows: nrows, reused: false, jl: null };
  }
  if (ev.rescaled !== undefined) return factorRescaledSketch(engine, dense, cfg, ev, iteration, reuse);
  const m = SKETCH_ROWS_PER_COL * ncols;
  // Leverage scores sum to rank(G) <= ncols: this scale gives about sampleSize kept rows.
  const scale = cfg.sampleSize / ncols;
  return drawModel(engine, dense, cfg, ev, iteration, reuse, {
    levGram: async (key) => (nrows <= m ? engine.exactGram(true) : dense.sketchGram(await engine.sketch(m, key(1)), m)),
    sample: (Q, kq, key) => engine.sampleGram(Q, kq, scale, key(3)),
    resample: (_scores, key) => engine.resampleGram(scale, key(3)),
  });
}

/**
 * The rescaled sampled model (math.md section 3, last paragraph): leverage-score sampling of the
 * stacked PSD factor [diag(sqrt(max(e,0))) A ; J], J = diag(u') A - b p1^T, whose Gram is the
 * Hessian with negative e clipped. Sampling only the diagonal A^T diag(u'^2 + e) A and adding the
 * indefinite rank-2 part exactly would not do: near a good fit the two nearly cancel, and the
 * sampling error of the diagonal swamps what remains. Rows with e <= 0 are added exactly.
 */
function factorRescaledSketch(engine: Engine, dense: DenseWork, cfg: StepConfig, ev: Evaluation, iteration: number, reuse: JlScores | null): Promise<Drawn> {
  const { nrows, ncols } = engine;
  const rs = ev.rescaled!;
  const m = SKETCH_ROWS_PER_COL * ncols;
  const scale = cfg.sampleSize / ncols;
  // The sampled J rows come as sparse pieces; p1 is this step's.
  const gramOf = (sample: { gram: Float64Array; y: Float64Array; beta: number; kept: number }) => ({ gram: addRank2(sample.gram, rs.p1, sample.y, sample.beta), kept: sample.kept });
  return drawModel(engine, dense, cfg, ev, iteration, reuse, {
    levGram: async (key) => (nrows <= m ? withRank2(await engine.exactGram(true), ev) : dense.sketchGram(await engine.resSketch(m, key(1), rs.p1), m)),
    // j_i^T Q = u'_i (a_i^T Q) - b_i (p1^T Q): the kernels need p1^T Q once.
    sample: async (Q, kq, key) => gramOf(await engine.resSampleGram(Q, kq, jlOf(Q, kq, rs.p1), scale, key(3), key(5))),
    resample: async ({ Q, kq }, key) => {
      const pq = jlOf(Q, kq, rs.p1);
      const v = new Float64Array(ncols);
      let pp = 0;
      for (let c = 0; c < kq; c++) pp += pq[c]! * pq[c]!;
      for (let j = 0; j < ncols; j++) for (let c = 0; c < kq; c++) v[j]! += Q[j * kq + c]! * pq[c]!;
      return gramOf(await engine.resResampleGram(v, pp, scale, key(3), key(5)));
    },
  });
}

/** Q^T p (a kq-vector) for Q d x kq, row-major. */
function jlOf(Q: JlMap, kq: number, p: Float64Array): Float64Array {
  const pq = new Float64Array(kq);
  for (let j = 0; j < p.length; j++) for (let c = 0; c < kq; c++) pq[c]! += p[j]! * Q[j * kq + c]!;
  return pq;
}

/** A fresh draw's JL map Q = R^{-1} Pi, which later steps may score against (reuse). */
interface JlScores {
  Q: JlMap;
  kq: number;
}

/**
 * A factored sampled model: its kept rows, whether its scores were an earlier draw's, and the JL map
 * of a fresh draw that later steps may reuse (null when reused, or no draw).
 */
type Drawn = Factored & { rows: number; reused: boolean; jl: JlScores | null };

/** A stream key for one purpose of one draw. */
type DrawKey = (purpose: number) => Key;

/**
 * The sampled model's draw, shared by both problems: the leverage sketch's Gram factored into slot
 * 1, a JL map, the sample's Gram factored into slot 0 (with the rows of non-positive weight added
 * exactly). Drawn again with fresh streams, up to MAX_RESAMPLES times, while the sample needed a
 * shift that the leverage sketch did not. With `reuse`, a sample scored against an earlier draw's R
 * comes first; it stands unless it needs a shift.
 */
async function drawModel(
  engine: Engine,
  dense: DenseWork,
  cfg: StepConfig,
  ev: Evaluation,
  iteration: number,
  reuse: JlScores | null,
  draw: {
    levGram(key: DrawKey): Promise<Float64Array>;
    sample(Q: JlMap, kq: number, key: DrawKey): Promise<{ gram: Float64Array; kept: number }>;
    resample(scores: JlScores, key: DrawKey): Promise<{ gram: Float64Array; kept: number }>;
  },
): Promise<Drawn> {
  if (reuse !== null) {
    const key: DrawKey = (purpose) => streamKey(cfg.seed, iteration, purpose + RESAMPLE_PURPOSE * (MAX_RESAMPLES + 1));
    const sample = await draw.resample(reuse, key);
    const f = await factorModel(dense, ev.negatives, async () => sample.gram, (psd) => engine.negativeGram(psd));
    if (f.shift === 0) return { ...f, rows: sample.kept, reused: true, jl: null };
  }
  for (let attempt = 0; ; attempt++) {
    const key: DrawKey = (purpose) => streamKey(cfg.seed, iteration, purpose + RESAMPLE_PURPOSE * attempt);
    const levGram = await draw.levGram(key);
    let trace = 0;
    for (let j = 0; j < engine.ncols; j++) trace += levGram[j * engine.ncols + j]!;
    const levShift = await factorWithShift(dense, 1, levGram);
    if (levShift < 0) return { shift: -1, modified: true, rows: 0, reused: false, jl: null };
    const kq = jlColumns(engine.nrows, engine.ncols, cfg.mode);
    const Q = jlPrecision(dense.jlMap(1, kq, key(2)), kq, trace + engine.ncols * levShift);
    const sample = await draw.sample(Q, kq, key);
    const f = await factorModel(dense, ev.negatives, async () => sample.gram, (psd) => engine.negativeGram(psd));
    if (f.shift <= 0 || levShift > 0 || attempt === MAX_RESAMPLES) return { ...f, rows: sample.kept, reused: false, jl: { Q, kq } };
  }
}

/**
 * The inexact-Newton forcing term: CG stops at ||H dx + g|| <= eta ||g||. The first step takes
 * min(0.1, sqrt(||g|| / ||g0||)); later steps Eisenstat and Walker's choice 2, which matches eta
 * to the observed convergence: gamma (||g_k|| / ||g_{k-1}||)^2 (with their safeguard against a
 * sudden drop, gamma eta_{k-1}^2 when that exceeds 0.1). A fixed or slowly shrinking eta makes
 * inexact Newton converge linearly at rate eta, paying a whole evaluation per digit, where exact
 * Newton is quadratic. see: Eisenstat, Walker, "Choosing the forcing terms in an inexact Newton
 * method", SIAM J. Sci. Comput. 17 (1996), section 2.
 */
function forcingTerm(gnorm: number, cfg: StepConfig, state: StepState): number {
  let eta: number;
  if (state.prevGradNorm > 0) {
    eta = EW_GAMMA * (gnorm / state.prevGradNorm) ** 2;
    const guard = EW_GAMMA * state.prevEta ** 2;
    if (guard > 0.1) eta = Math.max(eta, guard);
    eta = Math.min(eta, ETA_MAX);
  } else {
    eta = Math.min(ETA_MAX, Math.sqrt(gnorm / Math.max(cfg.gradNorm0, 1)));
  }
  state.prevGradNorm = gnorm;
  state.prevEta = eta;
  // Half of tol / ||g||: a residual that small already passes the gradient test after the step, up to
  // the O(||dx||^2) change of the gradient, which is far smaller once steps are that short.
  return Math.max(eta, (0.5 * cfg.tol) / gnorm);
}

/** Where CG stands: the iterate and its residual -g - H x (a later CG continues from them). */
interface CgState {
  x: Float64Array;
  r: Float64Array;
}

/**
 * The Jacobi preconditioner of the plain CG steps: 1 / diag(H), H's diagonal from the evaluation's
 * pass (regularized, when wantsJacobi asked for it) or from a pass of its own (dcsrdiag), plus, for
 * the rescaled problem, that of the rank-2 part, bb p1_j^2 - 2 p1_j p2_j. It
 * undoes the scale of each column (columns spanning decades, popular and rare one-hot columns) and
 * is exact where H is diagonal (one-hot rows). Null, CG without a preconditioner, when some diagonal
 * entry is not positive (an empty column, or weights below the certificate).
 */
async function jacobi(engine: Engine, ev: Evaluation, modified: boolean): Promise<Float64Array | null> {
  // The evaluation's pass brought the diagonal when asked (wantsJacobi), for unmodified weights.
  const h = ev.diag !== undefined && !modified ? ev.diag.slice() : await engine.hessDiag(modified);
  const rs = ev.rescaled;
  for (let j = 0; j < h.length; j++) {
    const hj = h[j]! + (rs === undefined ? 0 : rs.bb * rs.p1[j]! * rs.p1[j]! - 2 * rs.p1[j]! * rs.p2[j]!);
    if (!(hj > 0 && hj < Infinity)) return null;
    h[j] = 1 / hj;
  }
  return h;
}

/**
 * CG on H dx = -g with exact Hessian-vector products, to the relative residual eta, preconditioned by
 * the factor in slot 0, or, when `plain`, by the diagonal scaling `plain.jacobi` (or nothing);
 * continuing from `from` when given. Also returns the residual's contraction per iteration,
 * (||r|| / ||r_0||)^(1 / iterations): the preconditioner's quality. Plain CG gives up (`gaveUp`)
 * when it contracts slowly (PLAIN_RATE).
 */
async function cg(
  engine: Engine, dense: DenseWork, ev: Evaluation, modified: boolean, eta: number, cfg: StepConfig, plain: { jacobi: Float64Array | null } | null, from?: CgState,
): Promise<CgState & { dx: Float64Array; iterations: number; rate: number; gaveUp: boolean }> {
  const g = ev.grad;
  const gnorm = norm2(g);
  const d = g.length;
  const x = from?.x ?? new Float64Array(d);
  const r = from?.r ?? g.map((v) => -v);
  const scale = plain?.jacobi ?? null;
  const precondition = (v: Float64Array) => (plain === null ? dense.solve(0, v) : scale === null ? v.slice() : v.map((t, j) => t * scale[j]!));
  const r0norm = norm2(r);
  let z = precondition(r);
  const p = z.slice();
  let rz = dot(r, z);
  let it = 0;
  let rnorm = r0norm;
  const rate = () => (it > 0 ? (rnorm / r0norm) ** (1 / it) : 1);
  const done = (gaveUp: boolean) => ({ dx: x, x, r, iterations: it, rate: rate(), gaveUp });
  while (it < MAX_CG && !cfg.signal?.aborted && rnorm > eta * gnorm) {
    const Hp = addRank2Vec(await engine.hessVec(p, modified), p, ev);
    it++;
    const pHp = dot(p, Hp);
    if (!(pHp > 0)) {
      // No positive curvature along p: keep what CG has (a descent direction), or at the first
      // iteration of a fresh start the preconditioned gradient step.
      if (it === 1 && from === undefined) return { ...done(false), dx: z };
      break;
    }
    const alpha = rz / pHp;
    for (let i = 0; i < d; i++) {
      x[i]! += alpha * p[i]!;
      r[i]! -= alpha * Hp[i]!;
    }
    rnorm = norm2(r);
    if (rnorm <= eta * gnorm) break;
    if (plain !== null && it >= PLAIN_PATIENCE && rate() > PLAIN_RATE) return done(true);
    z = precondition(r);
    const rzNext = dot(r, z);
    const beta = rzNext / rz;
    rz = rzNext;
    for (let i = 0; i < d; i++) p[i] = z[i]! + beta * p[i]!;
  }
  return done(false);
}

/**
 * What a sketch-pcg solve carries from one Newton step to the next: the factored preconditioner is
 * reused while CG still converges quickly with it (B changes little between late Newton steps), and
 * rebuilt when CG's contraction per iteration degrades (see REBUILD_RATE); and the previous
 * gradient norm and forcing term, for the next forcing term.
 */
export interface StepState {
  /** Whether steps still run CG without a factored preconditioner (auto's plainFirst, until it gives up). */
  plain: boolean;
  /**
   * Their Jacobi scaling (see jacobi; undefined until the first such step): kept while CG contracts
   * fast with it, taken again at a step after one that contracted slower than JACOBI_REFRESH_RATE,
   * and at every step once a kept one made CG give up.
   */
  jacobi: Float64Array | null | undefined;
  jacobiEveryStep: boolean;
  /**
   * H is diagonal: the regularized problem on an A whose rows hold at most one nonzero each (one-hot
   * rows), where A^T B A has no off-diagonal entry. Its Jacobi-scaled step -g / diag(H) is then the
   * exact Newton step, which CG would spend a product (a pass over A) to confirm.
   */
  diagonal: boolean;
  built: boolean;
  modified: boolean;
  rows: number | null;
  rateWhenFresh: number;
  lastRate: number;
  /** ||g|| where the previous step started (0 before the first): CG's forcing term, the plain sketch's contraction. */
  prevGradNorm: number;
  prevEta: number;
  /**
   * The plain sketch's reusable scores (see REUSE_RATE): the JL map of its last fresh draw, the rows
   * that draw kept, and the gradient contraction of the step it made (NaN until known).
   */
  scores: (JlScores & { kept: number; rate: number }) | null;
  /** Whether the previous step drew its scores fresh. */
  scoresFresh: boolean;
}

export function newStepState(plainFirst: boolean, diagonal: boolean): StepState {
  // A diagonal H needs its diagonal at every step: the evaluation's pass brings it along.
  return { plain: plainFirst, jacobi: undefined, jacobiEveryStep: diagonal, diagonal, built: false, modified: false, rows: null, rateWhenFresh: 0, lastRate: 0, prevGradNorm: 0, prevEta: 0, scores: null, scoresFresh: false };
}

/**
 * Whether the next step takes a fresh Jacobi scaling: then the evaluation that precedes it (every
 * line-search trial, since any may be accepted) brings H's diagonal from its own pass.
 */
export function wantsJacobi(state: StepState): boolean {
  return state.plain && (state.jacobi === undefined || state.jacobiEveryStep || state.lastRate > JACOBI_REFRESH_RATE);
}

/**
 * The plain sketch's scores to reuse at this step, or null for a fresh draw (REUSE_RATE): the
 * contraction of the step just taken decides, and is remembered when that step drew them.
 */
function reusableScores(ev: Evaluation, state: StepState): JlScores | null {
  const gnorm = norm2(ev.grad);
  const rate = state.prevGradNorm > 0 ? gnorm / state.prevGradNorm : Number.NaN;
  state.prevGradNorm = gnorm;
  const s = state.scores;
  if (s === null) return null;
  if (state.scoresFresh) s.rate = rate;
  return rate <= REUSE_RATE && (state.scoresFresh || rate <= Math.sqrt(s.rate)) ? s : null;
}

/** One Newton direction at the evaluated point. */
export async function newtonStep(engine: Engine, dense: DenseWork, ev: Evaluation, cfg: StepConfig, iteration: number, state: StepState): Promise<Step> {
  const t0 = performance.now();
  const usesCg = state.plain || cfg.mode === "sketch-pcg";
  const eta = usesCg ? forcingTerm(norm2(ev.grad), cfg, state) : 0;
  let from: CgState | undefined;
  let plainIterations = 0;
  if (state.plain) {
    // Below the certificate, the Gauss-Newton weights on those rows: every direction a descent direction.
    const modified = ev.negatives > 0;
    const fresh = wantsJacobi(state);
    if (fresh) state.jacobi = await jacobi(engine, ev, modified);
    const scale = state.jacobi;
    if (state.diagonal && scale !== null) {
      const dx = ev.grad.map((g, j) => -g * scale![j]!);
      return { used: "cg", dx, sketchRows: null, sketchFresh: false, cgIterations: 0, shift: 0, hessianMs: 0, solveMs: performance.now() - t0 };
    }
    let r = await cg(engine, dense, ev, modified, eta, cfg, { jacobi: state.jacobi! });
    let iterations = r.iterations;
    if (r.gaveUp && !fresh) {
      // The weights moved away from the scaling of an earlier step: retake it, continue, and from
      // now on take it at every step.
      state.jacobi = await jacobi(engine, ev, modified);
      state.jacobiEveryStep = true;
      r = await cg(engine, dense, ev, modified, eta, cfg, { jacobi: state.jacobi }, r);
      iterations += r.iterations;
    }
    state.lastRate = r.rate;
    if (!r.gaveUp) return { used: "cg", dx: r.dx, sketchRows: null, sketchFresh: false, cgIterations: iterations, shift: 0, hessianMs: 0, solveMs: performance.now() - t0 };
    // Slow even so: the fallback model from here on (sketch-pcg continues this CG).
    state.plain = false;
    state.lastRate = 0;
    plainIterations = iterations;
    from = r;
  }
  const t1 = performance.now();
  // Where some B_i <= 0 (below the certificate) and the true model is not positive definite, the
  // models use Gauss-Newton weights on those rows, so every direction is a descent direction.
  const fresh =
    cfg.mode !== "sketch-pcg" || !state.built || ev.negatives > 0 || state.lastRate > Math.max(REBUILD_RATE, Math.sqrt(state.rateWhenFresh));
  let reused = false;
  if (fresh) {
    const reuse = cfg.mode === "sketch" ? reusableScores(ev, state) : null;
    const model = cfg.mode === "exact" ? { ...(await factorExact(engine, dense, ev)), rows: null, reused: false, jl: null } : await factorSketch(engine, dense, cfg, ev, iteration, reuse);
    if (model.shift < 0) return { used: cfg.mode, dx: null, sketchRows: model.rows, sketchFresh: true, cgIterations: null, shift: model.shift, hessianMs: performance.now() - t1, solveMs: t1 - t0 };
    Object.assign(state, { built: true, modified: model.modified, rows: model.rows });
    reused = model.reused;
    if (cfg.mode === "sketch") {
      const kept = model.rows!;
      if (model.jl !== null) state.scores = { ...model.jl, kept, rate: Number.NaN };
      else if (reused && (kept > REUSE_DRIFT * state.scores!.kept || kept * REUSE_DRIFT < state.scores!.kept)) state.scores = null;
      state.scoresFresh = !reused;
    }
  }
  const t2 = performance.now();
  let dx: Float64Array;
  let cgIterations: number | null = null;
  if (cfg.mode === "sketch-pcg") {
    const r = await cg(engine, dense, ev, state.modified && ev.negatives > 0, eta, cfg, null, from);
    dx = r.dx;
    cgIterations = plainIterations + r.iterations;
    state.lastRate = r.rate;
    if (fresh) state.rateWhenFresh = r.rate;
  } else {
    dx = dense.solve(0, ev.grad);
    for (let i = 0; i < dx.length; i++) dx[i] = -dx[i]!;
    if (plainIterations > 0) cgIterations = plainIterations;
  }
  return { used: cfg.mode, dx, sketchRows: state.rows, sketchFresh: fresh && !reused, cgIterations, shift: 0, hessianMs: t2 - t1, solveMs: performance.now() - t2 + (t1 - t0) };
}

/**
 * Hessian-vector products a step of CG with Jacobi scaling takes where it contracts fast: 1.4-2.75 on
 * average over the steps of seven bench families (dense rows at d = 100 and 200 both problems, sparse
 * sinh and exp rows with columns over three decades, power-law rows, one-hot rows), rounded up for
 * the scaling's own passes.
 */
const PLAIN_PRODUCTS = 3;

/**
 * The `auto` choice, in multiply-adds per Newton step. Exact forms sum_i k_i^2 / 2 for the Gram and
 * factors it (d^3 / 6); sketch-pcg makes a few passes over A (sketch, JL leverage scores with kq
 * columns, about 8 Hessian-vector products of 2 nnz each), a sampled Gram of s rows, the sketch's
 * Gram and two factorizations. The cheaper of the two is the fallback; CG with Jacobi scaling
 * (about PLAIN_PRODUCTS products) runs first when it is cheaper still, until it contracts slowly: how
 * well conditioned H is, no count of A can tell.
 */
export function chooseHessian(
  nrows: number, ncols: number, nnz: number, rowNnzSquares: number, sampleSize: number,
): { used: Exclude<HessianUsed, "cg">; plainFirst: boolean; reason: string } {
  const d = ncols;
  const exact = rowNnzSquares / 2 + 2 * nnz + (d * d * d) / 6;
  const meanSq = rowNnzSquares / Math.max(nrows, 1);
  const kq = jlColumns(nrows, ncols, "sketch-pcg");
  const sketch = nnz * (kq + 1 + 2 * 8 + 2) + (SKETCH_ROWS_PER_COL * d * d * d) / 2 + (d * d * d) / 3 + (Math.min(sampleSize, nrows) * meanSq) / 2;
  const plain = 2 * nnz * PLAIN_PRODUCTS;
  const fmt = (v: number) => v.toExponential(2);
  const used = exact <= sketch ? "exact" : "sketch-pcg";
  const choice =
    used === "exact"
      ? `exact Gram (${fmt(exact)} multiply-adds per step) is cheaper than sketch-pcg (${fmt(sketch)})`
      : `sketch-pcg (${fmt(sketch)} multiply-adds per step) is cheaper than the exact Gram (${fmt(exact)})`;
  const plainFirst = plain < Math.min(exact, sketch);
  return {
    used,
    plainFirst,
    reason: plainFirst ? `CG with Jacobi scaling (about ${fmt(plain)} per step) while it contracts fast; then ${used}: ${choice}` : choice,
  };
}
