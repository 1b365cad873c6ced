// SPDX-License-Identifier: MIT
// Seeded fuzzing of everything that reads what a caller passes: the Matrix Market and vector
// readers on generated and mutated texts, csr() and solve() on generated and mutated arguments.
// Every case must end in a valid result or in one of hyperreg's typed errors with a documented
// code; none may throw anything else, hang, or modify its input. A case with one known defect must
// fail with that defect's code; a case with none must succeed and give the answer an independent
// computation here expects (the parsed matrix, the canonical CSR, a gradient that vouches for
// `converged`). The counts are fixed, so the run tries the same cases every time.
import { test } from "./uvu.js";
import * as assert from "uvu/assert";
import { csr, formatMatrixMarket, HyperregParseError, HyperregRangeError, HyperregTypeError, parseMatrixMarket, parseVector, solve } from "../src/index.js";
import type { CsrMatrix, HessianMode, HyperbolicFunction, ProblemKind, SolveOptions, SolveResult } from "../src/index.js";
import { assertTypedError, assertValidResult, changedAt, deepSnapshot, Random, type RawCsr, type RawProblem } from "./oracle.js";

const PARSER_CASES = 20000;
const CSR_CASES = 10000;
const SOLVE_CASES = 3000;
/** A solve of at most 25 x 6 takes milliseconds; one still running after this long is a hang. */
const HANG_MS = 30_000;

const counts = { parser: 0, csr: 0, solve: 0 };

// ---------------------------------------------------------------------------------------------
// Texts

/** What a generated text means: a dense matrix (sums of its entries) or a vector. */
type Meaning = { kind: "matrix"; nrows: number; ncols: number; cells: Map<number, number> } | { kind: "vector"; values: number[] };

interface Sample {
  text: string;
  meaning: Meaning;
  /** Plain vector texts take `#` comments too. */
  plainVector: boolean;
}

/** Values that are exact in binary and print several ways, so sums do not depend on their order. */
function value(rand: Random, integer: boolean): [number, string] {
  const v = integer ? rand.int(-9, 9) : rand.int(-64, 64) / 8;
  if (integer) return [v, rand.pick([String(v), v >= 0 ? `+${v}` : String(v)])];
  const forms = [String(v), v.toExponential(), `${v}`.includes(".") ? String(v) : `${v}.`, v.toFixed(3), (v * 10).toString() + "e-1"];
  return [v, rand.pick(forms)];
}

const sep = (rand: Random) => rand.pick([" ", " ", " ", "  ", "\t", " \t "]);

function coordinateSample(rand: Random): Sample {
  const symmetric = rand.chance(0.25);
  const field = rand.pick(["real", "real", "integer", "pattern"] as const);
  const nrows = rand.int(0, 7);
  const ncols = symmetric ? nrows : rand.int(0, 7);
  const count = nrows * ncols === 0 ? 0 : rand.int(0, 12);
  const cells = new Map<number, number>();
  const add = (i: number, j: number, v: number) => cells.set(i * ncols + j, (cells.get(i * ncols + j) ?? 0) + v);
  const lines = [`%%MatrixMarket ${rand.pick(["matrix", "Matrix", "MATRIX"])} coordinate ${field} ${symmetric ? "symmetric" : "general"}`];
  if (rand.chance(0.5)) lines.push("% generated");
  lines.push([nrows, ncols, count].join(sep(rand)));
  for (let k = 0; k < count; k++) {
    let i = rand.int(1, nrows);
    let j = rand.int(1, ncols);
    if (symmetric && j > i) [i, j] = [j, i];
    const [v, text] = field === "pattern" ? [1, ""] : value(rand, field === "integer");
    lines.push(field === "pattern" ? `${i}${sep(rand)}${j}` : `${i}${sep(rand)}${j}${sep(rand)}${text}`);
    add(i - 1, j - 1, v);
    if (symmetric && i !== j) add(j - 1, i - 1, v);
  }
  return { text: lines.join("\n") + (rand.chance(0.8) ? "\n" : ""), meaning: { kind: "matrix", nrows, ncols, cells }, plainVector: false };
}

function arraySample(rand: Random): Sample {
  const field = rand.pick(["real", "integer"] as const);
  const nrows = rand.int(0, 5);
  const ncols = rand.int(0, 5);
  const cells = new Map<number, number>();
  const words: string[] = [];
  for (let j = 0; j < ncols; j++) {
    for (let i = 0; i < nrows; i++) {
      const [v, text] = rand.chance(0.3) ? [0, "0"] : value(rand, field === "integer");
      if (v !== 0) cells.set(i * ncols + j, v);
      words.push(text);
    }
  }
  // Usually one value a line; the reader also takes several.
  const body: string[] = [];
  for (let k = 0; k < words.length; ) {
    const take = rand.chance(0.8) ? 1 : rand.int(1, 3);
    body.push(words.slice(k, k + take).join(sep(rand)));
    k += take;
  }
  const text = [`%%MatrixMarket matrix array ${field} general`, `${nrows} ${ncols}`, ...body].join("\n") + "\n";
  return { text, meaning: { kind: "matrix", nrows, ncols, cells }, plainVector: false };
}

function vectorSample(rand: Random): Sample {
  const n = rand.int(0, 8);
  const pairs = Array.from({ length: n }, () => value(rand, false));
  const values = pairs.map(([v]) => v);
  if (rand.chance(0.3)) {
    const column = rand.chance(0.5);
    const text = ["%%MatrixMarket matrix array real general", column ? `${n} 1` : `1 ${n}`, ...pairs.map(([, t]) => t)].join("\n") + "\n";
    return { text, meaning: { kind: "vector", values }, plainVector: false };
  }
  const lines = pairs.map(([, t]) => t);
  if (rand.chance(0.3)) lines.unshift("# a vector");
  return { text: lines.join("\n") + (n > 0 && rand.chance(0.7) ? "\n" : ""), meaning: { kind: "vector", values }, plainVector: true };
}

const BAD_WORDS = [
  "0", "-1", "1.5", "2147483647", "2147483648", "4294967296", "99999999999999999999999", "16777217", "1e400", "-1e400", "1e308",
  "1e-400", "NaN", "nan", "-nan", "inf", "+Inf", "Infinity", "-infinity", "abc", "0x1F", "1,5", "1_000", "--1", "+-1", ".", "e5",
  "\u0663", "1\u00a0", "\u0000", "", "%", "#", "1e", "-0", "3 4", "\u2212" + "1",
];
const BANNER_WORDS = [
  "%%MatrixMarket", "%MatrixMarket", "%%matrixmarket", "matrix", "vector", "coordinate", "array", "real", "integer", "pattern",
  "complex", "general", "symmetric", "hermitian", "skew-symmetric", "", "foo",
];
const NOISE = ["0", "1", "9", "-", "+", ".", "e", "E", " ", "\t", "\n", "\r", "\0", "\u00a0", "\ufeff", "%", "#", "x", "\u00e9", "\u0663", "\u2028"];

type Mutation = { neutral: boolean; apply: (rand: Random, text: string, s: Sample) => string };

const splitLines = (text: string) => text.split("\n");
const joinLines = (lines: string[]) => lines.join("\n");
const lineIndex = (rand: Random, lines: string[]) => rand.int(0, Math.max(0, lines.length - 1));
/** The first line a mutation may touch without moving the banner (neutral ones keep it first). */
const firstBodyLine = (s: Sample, lines: string[]) => (s.plainVector ? (lines[0]?.startsWith("\ufeff") ? 1 : 0) : lines.findIndex((l) => l.includes("%%MatrixMarket")) + 1);

const MUTATIONS: Mutation[] = [
  // Meaning-preserving: the parse must give exactly the same matrix or vector.
  { neutral: true, apply: (_r, t) => t.replace(/\n/g, "\r\n") },
  { neutral: true, apply: (_r, t) => (t.startsWith("\ufeff") ? t : `\ufeff${t}`) },
  {
    neutral: true,
    apply: (r, t, s) => {
      const lines = splitLines(t);
      const at = r.int(firstBodyLine(s, lines), lines.length);
      lines.splice(at, 0, r.pick(s.plainVector ? ["% c", "# c", "  # indented", "%"] : ["% c", "%", "  % indented", "%%MatrixMarket matrix coordinate real general"]));
      return joinLines(lines);
    },
  },
  {
    neutral: true,
    apply: (r, t, s) => {
      const lines = splitLines(t);
      lines.splice(r.int(firstBodyLine(s, lines), lines.length), 0, r.pick(["", "   ", "\t"]));
      return joinLines(lines);
    },
  },
  {
    neutral: true,
    apply: (r, t) => {
      const lines = splitLines(t);
      const i = lineIndex(r, lines);
      if (lines[i] !== "") lines[i] = `${lines[i]}${r.pick([" ", "\t", "  \t", "\r"])}`;
      return joinLines(lines);
    },
  },
  {
    neutral: true,
    // Blank lines before the banner (after a byte-order mark, which only ever starts a file).
    apply: (r, t, s) => {
      if (s.plainVector) return t;
      const bom = t.startsWith("\ufeff") ? "\ufeff" : "";
      return `${bom}${r.pick(["\n", "\n\n", "  \n"])}${t.slice(bom.length)}`;
    },
  },
  // Defects (or, by chance, harmless edits): anything may happen but an untyped error, a hang or a wrong result.
  { neutral: false, apply: (r, t) => t.slice(0, r.int(0, t.length)) },
  {
    neutral: false,
    apply: (r, t) => {
      const lines = splitLines(t);
      lines.splice(lineIndex(r, lines), 1);
      return joinLines(lines);
    },
  },
  {
    neutral: false,
    apply: (r, t) => {
      const lines = splitLines(t);
      const i = lineIndex(r, lines);
      lines.splice(i, 0, lines[i]!);
      return joinLines(lines);
    },
  },
  {
    neutral: false,
    apply: (r, t) => {
      const lines = splitLines(t);
      const i = lineIndex(r, lines);
      const j = lineIndex(r, lines);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return joinLines(lines);
    },
  },
  {
    neutral: false,
    apply: (r, t) => {
      // Replace one word by a bad one (a size, an index or a value).
      const lines = splitLines(t);
      const i = lineIndex(r, lines);
      const words = lines[i]!.split(/[ \t]+/);
      words[r.int(0, words.length - 1)] = r.pick(BAD_WORDS);
      lines[i] = words.join(" ");
      return joinLines(lines);
    },
  },
  {
    neutral: false,
    apply: (r, t) => {
      const lines = splitLines(t);
      const i = lineIndex(r, lines);
      lines[i] = r.chance(0.5) ? `${lines[i]} ${r.pick(BAD_WORDS)}` : lines[i]!.split(/[ \t]+/).slice(0, -1).join(" ");
      return joinLines(lines);
    },
  },
  {
    neutral: false,
    apply: (r, t) => {
      const lines = splitLines(t);
      const words = lines[0]!.split(" ");
      words[r.int(0, words.length - 1)] = r.pick(BANNER_WORDS);
      lines[0] = words.join(" ");
      return joinLines(lines);
    },
  },
  {
    neutral: false,
    apply: (r, t) => {
      // The size line (the first line of digits and spaces): wrong counts, zeros, huge numbers.
      const lines = splitLines(t);
      const i = lines.findIndex((l) => /^[\d \t]+$/.test(l));
      if (i < 0) return t;
      const words = lines[i]!.trim().split(/[ \t]+/);
      const k = r.int(0, words.length - 1);
      const n = Number(words[k]);
      words[k] = r.pick([String(n + 1), String(Math.max(0, n - 1)), "0", "2147483647", "2147483648", "16777217", "100000000", "1e3", "-1"]);
      lines[i] = words.join(" ");
      return joinLines(lines);
    },
  },
  { neutral: false, apply: (_r, t) => t.replace(/\n/g, "\r") },
  {
    neutral: false,
    apply: (r, t) => {
      const at = r.int(0, t.length);
      return t.slice(0, at) + r.pick(NOISE) + t.slice(at + (r.chance(0.5) ? 1 : 0));
    },
  },
  { neutral: false, apply: (r, t) => `${t}${r.pick(["1 1 1\n", "garbage\n", "%%MatrixMarket matrix coordinate real general\n", "7\n", "\u0000"])}` },
  { neutral: false, apply: (r) => r.pick(["", " ", "\n\n", "\r\n", "\ufeff", "%%MatrixMarket", "%%MatrixMarket matrix coordinate real general", "1 2 3"]) },
  {
    neutral: false,
    apply: (r) => {
      const length = r.int(1, 60);
      let s = "";
      for (let i = 0; i < length; i++) s += r.pick([...NOISE, "%%MatrixMarket matrix coordinate real general\n", "1 1 1\n", " 2 "]);
      return s;
    },
  },
];

/** Fails unless A is a canonical CSR matrix: right types and lengths, sorted unique columns in range, finite data. */
function assertCanonical(A: CsrMatrix, what: string): void {
  assert.ok(Object.isFrozen(A), `${what}: not frozen`);
  assert.instance(A.indptr, Int32Array);
  assert.instance(A.indices, Int32Array);
  assert.instance(A.data, Float64Array);
  assert.ok(Number.isInteger(A.nrows) && A.nrows >= 0 && Number.isInteger(A.ncols) && A.ncols >= 0, `${what}: sizes ${A.nrows} x ${A.ncols}`);
  assert.is(A.indptr.length, A.nrows + 1, `${what}: indptr length`);
  assert.is(A.indptr[0], 0, `${what}: indptr[0]`);
  assert.is(A.indptr[A.nrows], A.indices.length, `${what}: indptr end`);
  assert.is(A.data.length, A.indices.length, `${what}: data length`);
  for (let i = 0; i < A.nrows; i++) {
    if (A.indptr[i + 1]! < A.indptr[i]!) assert.unreachable(`${what}: indptr decreases at ${i + 1}`);
    for (let k = A.indptr[i]!; k < A.indptr[i + 1]!; k++) {
      const j = A.indices[k]!;
      if (j < 0 || j >= A.ncols) assert.unreachable(`${what}: column ${j} out of range in row ${i}`);
      if (k > A.indptr[i]! && j <= A.indices[k - 1]!) assert.unreachable(`${what}: row ${i} not sorted and unique`);
      if (!Number.isFinite(A.data[k])) assert.unreachable(`${what}: data[${k}] = ${A.data[k]}`);
    }
  }
}

/** The dense cells of a CSR matrix (explicit zeros kept as entries, but compared as values). */
function cellsOf(A: CsrMatrix): Map<number, number> {
  const cells = new Map<number, number>();
  for (let i = 0; i < A.nrows; i++) {
    for (let k = A.indptr[i]!; k < A.indptr[i + 1]!; k++) if (A.data[k] !== 0) cells.set(i * A.ncols + A.indices[k]!, A.data[k]!);
  }
  return cells;
}

function sameCells(a: Map<number, number>, b: Map<number, number>): boolean {
  const nonzero = (m: Map<number, number>) => [...m].filter(([, v]) => v !== 0);
  const x = nonzero(a);
  const y = new Map(nonzero(b));
  return x.length === y.size && x.every(([k, v]) => Object.is(y.get(k), v));
}

function parse(sample: Sample, text: string): CsrMatrix | Float64Array {
  return sample.meaning.kind === "matrix" ? parseMatrixMarket(text, "A.mtx") : parseVector(text, "b");
}

function checkParsed(out: CsrMatrix | Float64Array, what: string): void {
  if (out instanceof Float64Array) {
    out.forEach((v, i) => Number.isFinite(v) || assert.unreachable(`${what}: entry ${i} = ${v}`));
    assert.equal([...parseVector(out.length === 0 ? "" : Array.from(out, String).join("\n"))], [...out], `${what}: does not read back`);
    return;
  }
  assertCanonical(out, what);
  const again = parseMatrixMarket(formatMatrixMarket(out));
  assert.equal([...again.indptr, ...again.indices, ...again.data], [...out.indptr, ...out.indices, ...out.data], `${what}: format/parse round trip differs`);
}

test(`Matrix Market and vector readers: ${PARSER_CASES} generated and mutated texts end in a valid parse or a ParseError naming a line`, () => {
  const rand = new Random(20240611);
  const outcomes = { exact: 0, parsed: 0, rejected: 0 };
  for (let c = 0; c < PARSER_CASES; c++) {
    const sample = rand.pick([coordinateSample, coordinateSample, arraySample, vectorSample])(rand);
    const steps = rand.chance(0.15) ? 0 : rand.int(1, 3);
    let text = sample.text;
    let neutral = true;
    for (let s = 0; s < steps; s++) {
      const m = rand.chance(0.35) ? rand.pick(MUTATIONS.filter((x) => x.neutral)) : rand.pick(MUTATIONS);
      text = m.apply(rand, text, sample);
      neutral &&= m.neutral;
    }
    const what = `case ${c} (${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}...` : text)})`;
    let out: CsrMatrix | Float64Array;
    try {
      out = parse(sample, text);
    } catch (e) {
      assertTypedError(e, what, ["ERR_PARSE", "ERR_NOT_FINITE"]);
      assert.instance(e, HyperregParseError, `${what}: ${String(e)}`);
      const line = (e as HyperregParseError).details.line;
      const lineCount = text.split("\n").length;
      assert.ok(Number.isInteger(line) && line! >= 1 && line! <= lineCount + 1, `${what}: details.line ${line} of ${lineCount} lines`);
      assert.ok((e as Error).message.startsWith(`${sample.meaning.kind === "matrix" ? "A.mtx" : "b"}: line ${line}: `), `${what}: ${(e as Error).message}`);
      if (neutral) assert.unreachable(`${what}: a well-formed text was rejected: ${(e as Error).message}`);
      outcomes.rejected++;
      continue;
    }
    checkParsed(out, what);
    if (neutral) {
      // The text means what it was generated to mean; an independent tally of its entries says what that is.
      if (sample.meaning.kind === "vector") {
        assert.equal([...(out as Float64Array)], sample.meaning.values, `${what}: wrong values`);
      } else {
        const A = out as CsrMatrix;
        assert.is(A.nrows, sample.meaning.nrows, `${what}: nrows`);
        assert.is(A.ncols, sample.meaning.ncols, `${what}: ncols`);
        assert.ok(sameCells(cellsOf(A), sample.meaning.cells), `${what}: wrong entries`);
      }
      outcomes.exact++;
    } else {
      outcomes.parsed++;
    }
  }
  counts.parser += PARSER_CASES;
  // The mix must exercise both ends: a fuzzer that only ever rejects (or only accepts) tests little.
  assert.ok(outcomes.exact > PARSER_CASES / 5 && outcomes.rejected > PARSER_CASES / 5, JSON.stringify(outcomes));
  console.log(`# parser cases: ${JSON.stringify(outcomes)}`);
});

test("the readers refuse what is not a string with ERR_INVALID_TYPE", () => {
  for (const text of [undefined, null, 42, {}, [], new Uint8Array(3), Symbol.iterator]) {
    for (const reader of [parseMatrixMarket, parseVector]) {
      try {
        reader(text as unknown as string);
        assert.unreachable(`${String(text)} was read`);
      } catch (e) {
        assertTypedError(e, String(text), ["ERR_INVALID_TYPE"]);
        assert.instance(e, HyperregTypeError);
      }
    }
    counts.parser += 2;
  }
});

test("a size line of a few bytes cannot make the reader allocate gigabytes", () => {
  // Each of these used to allocate 8-16 GB of row pointers for empty rows; now a typed error at once.
  for (const text of ["%%MatrixMarket matrix coordinate real general\n2000000000 1 0\n", "%%MatrixMarket matrix array real general\n2000000000 0\n", "%%MatrixMarket matrix coordinate pattern symmetric\n100000000 100000000 1\n1 1\n"]) {
    try {
      parseMatrixMarket(text);
      assert.unreachable("parsed");
    } catch (e) {
      assertTypedError(e, text, ["ERR_PARSE"]);
      assert.match((e as Error).message, /line 2: \d+ rows for \d+ (entries|values)/);
    }
    counts.parser++;
  }
  // Below 2^24 rows, and with an entry per 16 rows, the sizes are read as declared.
  const A = parseMatrixMarket("%%MatrixMarket matrix coordinate real general\n1000000 3 1\n1000000 2 5\n");
  assert.is(A.nrows, 1e6);
  assert.is(A.indptr[1e6], 1);
});

// ---------------------------------------------------------------------------------------------
// csr() and solve() arguments

type ArrayKind = "array" | "int32" | "float64" | "uint16" | "float32" | "int8";

function asKind(values: number[], kind: ArrayKind): ArrayLike<number> {
  if (kind === "array") return values.slice();
  const ctor = { int32: Int32Array, float64: Float64Array, uint16: Uint16Array, float32: Float32Array, int8: Int8Array }[kind];
  return ctor.from(values);
}

interface Base {
  nrows: number;
  ncols: number;
  indptr: number[];
  indices: number[];
  data: number[];
}

/** A valid CSR input: empty rows and columns, and (unless `canonical`) unsorted rows and repeated columns. */
function baseCsr(rand: Random, nrows: number, ncols: number, canonical: boolean): Base {
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (let i = 0; i < nrows; i++) {
    const k = ncols === 0 || rand.chance(0.15) ? 0 : rand.int(1, Math.min(ncols, 4));
    let cols = Array.from({ length: k }, () => rand.int(0, ncols - 1));
    if (canonical) cols = [...new Set(cols)].sort((a, b) => a - b);
    for (const j of cols) {
      indices.push(j);
      data.push(rand.int(-32, 32) / 16 || 0.5);
    }
    indptr.push(indices.length);
  }
  return { nrows, ncols, indptr, indices, data };
}

/** The canonical form, computed independently: per row, columns in order, repeats summed in input order. */
function canonicalOf(m: RawCsr): { indptr: number[]; indices: number[]; data: number[] } {
  const out = { indptr: [0], indices: [] as number[], data: [] as number[] };
  for (let i = 0; i < m.nrows; i++) {
    const sums = new Map<number, number>();
    for (let k = m.indptr[i]!; k < m.indptr[i + 1]!; k++) sums.set(m.indices[k]!, (sums.get(m.indices[k]!) ?? 0) + m.data[k]!);
    for (const j of [...sums.keys()].sort((a, b) => a - b)) {
      out.indices.push(j);
      out.data.push(sums.get(j)!);
    }
    out.indptr.push(out.indices.length);
  }
  return out;
}

/** A defect planted in an argument, and the codes it must be reported with ([] when it is no defect at all). */
interface Defect {
  name: string;
  codes: readonly string[];
  plant: (rand: Random, m: Record<string, unknown>) => void;
}

const TYPE = ["ERR_INVALID_TYPE"];
const CSR_ERR = ["ERR_INVALID_CSR"];
const SIZE = ["ERR_SIZE_MISMATCH"];
const VALUE = ["ERR_INVALID_VALUE"];
const FINITE = ["ERR_NOT_FINITE"];

/** The entries of an array argument (none when an earlier defect made it something else). */
function mutableCopy(v: unknown): number[] {
  return isNumberArray(v) ? (Array.from(v) as number[]) : [];
}

/** Defects of a CSR input { nrows, ncols, indptr, indices, data } (arrays already plain or typed). */
const CSR_DEFECTS: Defect[] = [
  { name: "indptr one longer", codes: SIZE, plant: (_r, m) => void (m.indptr = [...mutableCopy(m.indptr), mutableCopy(m.indptr).at(-1)!]) },
  { name: "indptr one shorter", codes: SIZE, plant: (_r, m) => void (m.indptr = mutableCopy(m.indptr).slice(0, -1)) },
  { name: "data one shorter", codes: SIZE, plant: (_r, m) => void (m.data = mutableCopy(m.data).slice(0, -1)) },
  { name: "data one longer", codes: SIZE, plant: (_r, m) => void (m.data = [...mutableCopy(m.data), 1]) },
  {
    name: "indices and data one shorter",
    codes: CSR_ERR,
    plant: (_r, m) => {
      m.indices = mutableCopy(m.indices).slice(0, -1);
      m.data = mutableCopy(m.data).slice(0, -1);
    },
  },
  { name: "indptr starts at 1", codes: CSR_ERR, plant: (_r, m) => void (m.indptr = [1, ...mutableCopy(m.indptr).slice(1)]) },
  {
    name: "indptr decreases",
    codes: CSR_ERR,
    plant: (r, m) => {
      const p = mutableCopy(m.indptr);
      const at = p.findIndex((v, i) => i > 0 && v > 0 && i < p.length - 1);
      if (at > 0) p[at] = p.at(-1)! + 1;
      else p[p.length - 1] = -1;
      m.indptr = p;
      void r;
    },
  },
  { name: "indptr entry NaN", codes: CSR_ERR, plant: (r, m) => void (m.indptr = mutableCopy(m.indptr).map((v, i) => (i === r.int(0, typeof m.nrows === "number" ? m.nrows : 0) ? Number.NaN : v))) },
  { name: "indptr entry fractional", codes: CSR_ERR, plant: (_r, m) => void (m.indptr = [0.5, ...mutableCopy(m.indptr).slice(1)]) },
  { name: "column out of range", codes: CSR_ERR, plant: (r, m) => void (m.indices = mutableCopy(m.indices).map((v, k, a) => (k === a.length - 1 ? r.pick([m.ncols as number, -1, 2 ** 31, 1e300]) : v))) },
  { name: "column not an integer", codes: CSR_ERR, plant: (r, m) => void (m.indices = mutableCopy(m.indices).map((v, k) => (k === 0 ? r.pick([0.5, Number.NaN, Infinity]) : v))) },
  { name: "column a string", codes: [...CSR_ERR, ...TYPE], plant: (_r, m) => void (m.indices = mutableCopy(m.indices).map((v, k) => (k === 0 ? String(v) : v))) },
  { name: "data NaN or Infinity", codes: FINITE, plant: (r, m) => void (m.data = mutableCopy(m.data).map((v, k) => (k === 0 ? r.pick([Number.NaN, Infinity, -Infinity]) : v))) },
  { name: "data a string or null", codes: TYPE, plant: (r, m) => void (m.data = mutableCopy(m.data).map((v, k) => (k === 0 ? r.pick(["1", null, undefined, {}, [1]]) : v))) },
  {
    name: "data with a hole",
    codes: TYPE,
    plant: (_r, m) => {
      const d = mutableCopy(m.data);
      delete d[0];
      m.data = d;
    },
  },
  { name: "nrows bad", codes: [...VALUE, ...TYPE], plant: (r, m) => void (m.nrows = r.pick([-1, 1.5, Number.NaN, Infinity, 2 ** 31, "3", null, undefined, 10n])) },
  { name: "ncols bad", codes: [...VALUE, ...TYPE], plant: (r, m) => void (m.ncols = r.pick([-1, 2.5, Number.NaN, -Infinity, 2 ** 32, "2", null, true])) },
  { name: "nrows one more", codes: SIZE, plant: (_r, m) => void (m.nrows = typeof m.nrows === "number" ? m.nrows + 1 : m.nrows) },
  { name: "an array of the wrong type", codes: TYPE, plant: (r, m) => void (m[r.pick(["indptr", "indices", "data"])] = r.pick(["0,1", null, undefined, 7, {}, { length: 1, 0: 0 }, new BigInt64Array(1), new DataView(new ArrayBuffer(8))])) },
  { name: "nested arrays", codes: [...CSR_ERR, ...TYPE], plant: (r, m) => void (m[r.pick(["indices", "data"])] = mutableCopy(m.data).map((v) => [v])) },
];

function plantAll(rand: Random, base: Record<string, unknown>, defects: readonly Defect[]): Record<string, unknown> {
  for (const d of defects) d.plant(rand, base);
  return base;
}

function expectCsr(A: CsrMatrix, input: RawCsr, what: string): void {
  assertCanonical(A, what);
  const expected = canonicalOf(input);
  assert.is(A.nrows, input.nrows);
  assert.is(A.ncols, input.ncols);
  assert.equal([...A.indptr], expected.indptr, `${what}: indptr`);
  assert.equal([...A.indices], expected.indices, `${what}: indices`);
  assert.equal([...A.data], expected.data, `${what}: data`);
}

test(`csr(): ${CSR_CASES} generated arguments, with planted defects, give the canonical matrix or the defect's code`, () => {
  const rand = new Random(77);
  const outcomes = { built: 0, rejected: 0 };
  for (let c = 0; c < CSR_CASES; c++) {
    const canonical = rand.chance(0.5);
    const b = baseCsr(rand, rand.int(0, 6), rand.int(0, 6), canonical);
    const kinds: ArrayKind[] = ["array", "int32", "float64", "uint16", "int8"];
    const input: Record<string, unknown> = { nrows: b.nrows, ncols: b.ncols, indptr: asKind(b.indptr, rand.pick(kinds)), indices: asKind(b.indices, rand.pick(kinds)), data: asKind(b.data, rand.pick(["array", "float64", "float32"] as const)) };
    const defects = rand.chance(0.2) ? [] : Array.from({ length: rand.chance(0.8) ? 1 : rand.int(2, 3) }, () => rand.pick(CSR_DEFECTS));
    plantAll(rand, input, defects);
    const strict = rand.chance(0.2);
    let argument: unknown = input;
    if (rand.chance(0.02)) argument = rand.pick([null, undefined, 5, "A", [input], () => input]);
    const before = deepSnapshot(argument);
    const what = `case ${c} (${defects.map((d) => d.name).join(", ") || "no defect"}${strict ? ", strict" : ""})`;
    let A: CsrMatrix | null = null;
    let error: unknown = null;
    try {
      A = csr(argument as RawCsr, strict ? { strict: true } : {});
    } catch (e) {
      error = e;
    }
    const changed = changedAt(argument, before);
    if (changed !== null) assert.unreachable(`${what}: csr() modified ${changed}`);
    // A planted defect can be harmless by chance (a row pointer that was already last, an empty
    // matrix): those cases are judged by the independent check of validity below.
    const valid = argument === input && isValidCsr(input, strict);
    if (A !== null) {
      if (!valid) assert.unreachable(`${what}: an invalid input was accepted: ${JSON.stringify(input, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`);
      expectCsr(A, input as unknown as RawCsr, what);
      outcomes.built++;
    } else {
      // With strict, a row out of order may be reported before the planted defect.
      const strictMayWin = strict && !(isNumberArray(input.indptr) && isNumberArray(input.indices) && isCanonical(input));
      const single = argument === input && defects.length === 1 && !strictMayWin ? defects[0]!.codes : undefined;
      assertTypedError(error, what, single);
      if (valid) assert.unreachable(`${what}: a valid input was rejected: ${(error as Error).message}`);
      const e = error as HyperregTypeError | HyperregRangeError;
      // The class matches the code, and the details name an argument of the call.
      assert.ok(e.code === "ERR_INVALID_TYPE" ? e instanceof HyperregTypeError : e instanceof HyperregRangeError, `${what}: ${e.name} with ${e.code}`);
      assert.ok(e.details.argument === undefined || /^(A|options)\b/.test(e.details.argument), `${what}: details.argument ${e.details.argument}`);
      outcomes.rejected++;
    }
  }
  counts.csr += CSR_CASES;
  assert.ok(outcomes.built > CSR_CASES / 10 && outcomes.rejected > CSR_CASES / 2, JSON.stringify(outcomes));
  console.log(`# csr cases: ${JSON.stringify(outcomes)}`);
});

const isNumberArray = (v: unknown): v is ArrayLike<unknown> =>
  Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array));

/** Validity of a CSR input by the README's rules, decided here without hyperreg's code. */
function isValidCsr(m: Record<string, unknown>, strict = false): boolean {
  const size = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 2 ** 31;
  if (!size(m.nrows) || !size(m.ncols)) return false;
  const { indptr, indices, data } = m;
  if (!isNumberArray(indptr) || !isNumberArray(indices) || !isNumberArray(data)) return false;
  const nrows = m.nrows as number;
  if (indptr.length !== nrows + 1 || data.length !== indices.length) return false;
  const int = (v: unknown) => typeof v === "number" && Number.isInteger(v);
  if (indptr[0] !== 0 || indptr[nrows] !== indices.length) return false;
  for (let i = 0; i < nrows; i++) if (!int(indptr[i + 1]) || (indptr[i + 1] as number) < (indptr[i] as number)) return false;
  for (let k = 0; k < indices.length; k++) {
    const j = indices[k];
    if (!int(j) || (j as number) < 0 || (j as number) >= (m.ncols as number)) return false;
    if (!(k in indices) || !(k in data) || typeof data[k] !== "number" || !Number.isFinite(data[k])) return false;
  }
  return !strict || isCanonical(m);
}

function isCanonical(m: Record<string, unknown>): boolean {
  const indptr = m.indptr as ArrayLike<number>;
  const indices = m.indices as ArrayLike<number>;
  for (let i = 0; i + 1 < indptr.length; i++) for (let k = indptr[i]! + 1; k < indptr[i + 1]!; k++) if (!(indices[k]! > indices[k - 1]!)) return false;
  return true;
}

// Solve arguments: a small random problem, then defects in A, b, w, x0, f, the problem kind and every option.

const FUNCTIONS: HyperbolicFunction[] = ["exp", "cosh", "sinh"];
const MODES: HessianMode[] = ["auto", "exact", "sketch", "sketch-pcg"];

interface SolveCase {
  problem: Record<string, unknown>;
  options: Record<string, unknown>;
}

function phiOf(f: HyperbolicFunction, b: number): number {
  if (f === "exp") return Math.max(b, 0) ** 2 / 8;
  if (f === "cosh") return b <= 4 ? b - 1 : (b * b) / 8 + 1;
  return (b * b) / 8 - 1;
}

function baseSolve(rand: Random): SolveCase {
  const nrows = rand.int(1, 25);
  const ncols = rand.chance(0.15) ? rand.int(nrows, nrows + 4) : rand.int(1, 6);
  const A = baseCsr(rand, nrows, ncols, rand.chance(0.7));
  const f = rand.pick(FUNCTIONS);
  const kind: ProblemKind = rand.chance(0.75) ? "regularized" : "rescaled";
  const fn = f === "exp" ? Math.exp : f === "cosh" ? Math.cosh : Math.sinh;
  const xTrue = Array.from({ length: ncols }, () => rand.normal() * 0.5);
  const z = canonicalAx(A, xTrue);
  const scale = rand.pick([1, 1, 1, 1e-3, 1e3]);
  let b = z.map((v) => scale * (fn(v) + 0.1 * rand.normal()));
  if (kind === "rescaled") {
    const total = b.reduce((s, v) => s + Math.abs(v), 0) || 1;
    b = b.map((v) => v / total);
  }
  // Above the certificate, below it, or zero; one number or one per row.
  const regime = rand.pick(["above", "above", "below", "zero"] as const);
  const wOf = (bi: number) => (regime === "zero" ? 0 : regime === "above" ? Math.sqrt(Math.max(phiOf(f, bi), 0) + 0.1) : Math.sqrt(Math.max(phiOf(f, bi), 0)) * rand.next());
  const w: number | number[] = rand.chance(0.3) ? Math.max(...b.map(wOf)) : b.map(wOf);
  const options: Record<string, unknown> = {};
  if (rand.chance(0.5)) options.hessian = rand.pick(MODES);
  if (rand.chance(0.3)) options.x0 = Array.from({ length: ncols }, () => rand.normal() * 0.3);
  if (rand.chance(0.2)) options.lineSearch = rand.chance(0.7);
  if (rand.chance(0.2)) options.maxIterations = rand.pick([0, 1, 3, 20]);
  if (rand.chance(0.2)) options.tol = rand.pick([1e-4, 1e-10, 1e-14]);
  if (rand.chance(0.2)) options.seed = rand.int(0, 2 ** 31);
  if (rand.chance(0.15)) options.eps = rand.pick([0.1, 0.5, 0.9]);
  if (rand.chance(0.1)) options.sketchSize = rand.int(1, 50);
  if (rand.chance(0.15)) options.blockNnz = rand.pick([1, 3, 20]);
  if (rand.chance(0.02)) options.threads = rand.int(1, 2);
  return { problem: { problem: kind, f, A: rand.chance(0.5) ? A : { ...A, indptr: Int32Array.from(A.indptr), indices: Int32Array.from(A.indices), data: Float64Array.from(A.data) }, b, w }, options };
}

function canonicalAx(A: Base, x: number[]): number[] {
  return Array.from({ length: A.nrows }, (_, i) => {
    let s = 0;
    for (let k = A.indptr[i]!; k < A.indptr[i + 1]!; k++) s += A.data[k]! * x[A.indices[k]!]!;
    return s;
  });
}

const onProblem = (key: string, codes: readonly string[], value: (r: Random, p: Record<string, unknown>) => unknown): Defect => ({
  name: `problem.${key}`,
  codes,
  plant: (r, c) => void ((c.problem as Record<string, unknown>)[key] = value(r, c.problem as Record<string, unknown>)),
});
const onOption = (key: string, codes: readonly string[], values: readonly unknown[]): Defect => ({
  name: `options.${key}`,
  codes,
  plant: (r, c) => void ((c.options as Record<string, unknown>)[key] = r.pick(values)),
});
const withEntry = (v: unknown, value: unknown) => {
  const copy = Array.from(v as ArrayLike<number>) as unknown[];
  copy[0] = value;
  return copy;
};

const SOLVE_DEFECTS: Defect[] = [
  ...CSR_DEFECTS.map((d) => ({ ...d, name: `A: ${d.name}`, plant: (r: Random, c: Record<string, unknown>) => d.plant(r, (c.problem as Record<string, Record<string, unknown>>).A!) })),
  onProblem("b", SIZE, (_r, p) => [...mutableCopy(p.b), 1]),
  onProblem("b", SIZE, (_r, p) => mutableCopy(p.b).slice(1)),
  onProblem("b", FINITE, (r, p) => withEntry(p.b, r.pick([Number.NaN, Infinity, -Infinity]))),
  onProblem("b", TYPE, (r, p) => withEntry(p.b, r.pick(["1", null, undefined]))),
  onProblem("b", TYPE, (r) => r.pick([null, undefined, "1,2", 3, { length: 1 }])),
  onProblem("w", VALUE, (r, p) => (typeof p.w === "number" ? -r.next() - 1e-9 : withEntry(p.w, -0.5))),
  onProblem("w", FINITE, (r, p) => (typeof p.w === "number" ? r.pick([Number.NaN, Infinity]) : withEntry(p.w, Number.NaN))),
  onProblem("w", SIZE, (_r, p) => (typeof p.w === "number" ? new Array(mutableCopy(p.b).length + 1).fill(p.w) : [...mutableCopy(p.w), 1])),
  onProblem("w", TYPE, (r) => r.pick(["1", null, undefined, {}, true])),
  onProblem("f", VALUE, (r) => r.pick(["tanh", "EXP", "", undefined, 1, null])),
  onProblem("problem", VALUE, (r) => r.pick(["ridge", "Rescaled", 0, false])),
  onOption("x0", SIZE, [[], new Array(1000).fill(0)]),
  onOption("x0", FINITE, [[Number.NaN], [Infinity]].map((v) => v)),
  onOption("x0", TYPE, ["0", 0, {}, null]),
  onOption("hessian", VALUE, ["fast", "EXACT", 1, ""]),
  onOption("eps", VALUE, [0, 1, -0.5, Number.NaN, Infinity]),
  onOption("eps", TYPE, ["0.5", null, true]),
  onOption("sketchSize", VALUE, [0, 0.5, -3, Number.NaN]),
  onOption("seed", VALUE, [-1, 0.5, 2 ** 60, Number.NaN]),
  onOption("tol", VALUE, [0, -1e-8, Number.NaN, Infinity]),
  onOption("tol", TYPE, ["1e-8", null]),
  onOption("maxIterations", VALUE, [-1, 1.5, Number.NaN, Infinity]),
  onOption("lineSearch", VALUE, ["yes", 1, null]),
  onOption("onIteration", VALUE, [5, "f", {}]),
  onOption("signal", VALUE, [5, "s", {}, null]),
  onOption("threads", VALUE, [-1, 0.5, 257, Number.NaN]),
  onOption("blockNnz", VALUE, [0, -5, 1.5, Infinity]),
  // Not defects: extreme but valid values must give a result.
  onProblem("b", [], (r, p) => mutableCopy(p.b).map((v) => v * r.pick([1e-150, 1e150, 1e300, 0]))),
  onProblem("w", [], (r) => r.pick([0, -0, 1e-300, 1e150, Number.MIN_VALUE])),
  onOption("x0", [], [[1000], [-1000], [400], [1e-300]]),
  onOption("maxIterations", [], [0, 1]),
  onOption("tol", [], [1e-300, 1e300, Number.MIN_VALUE]),
  onOption("sketchSize", [], [1, 2 ** 40]),
];

/** Resizes a planted x0 ([400] means "all 400", [NaN] "all NaN") to the width of A, when A's width is known. */
function fitX0(c: SolveCase): void {
  const x0 = c.options.x0;
  const A = c.problem.A as Record<string, unknown> | undefined;
  const ncols = typeof A === "object" && A !== null ? A.ncols : undefined;
  if (Array.isArray(x0) && x0.length === 1 && typeof x0[0] === "number" && typeof ncols === "number" && Number.isInteger(ncols) && ncols >= 0 && ncols < 100) {
    c.options.x0 = new Array(ncols).fill(x0[0]);
  }
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer after ${HANG_MS} ms`)), HANG_MS);
  });
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

function asRawProblem(p: Record<string, unknown>): RawProblem {
  return { problem: p.problem as ProblemKind, f: p.f as HyperbolicFunction, A: p.A as RawCsr, b: p.b as ArrayLike<number>, w: p.w as number | ArrayLike<number> };
}

test(`solve(): ${SOLVE_CASES} generated problems, with planted defects, give a valid result or the defect's code, and modify nothing`, async () => {
  const rand = new Random(4242);
  const outcomes: Record<string, number> = { rejected: 0 };
  let worstSlack = 0;
  let converged = 0;
  let defaultTol = 0;
  let sharp = 0;
  for (let c = 0; c < SOLVE_CASES; c++) {
    const sc = baseSolve(rand);
    const defects = rand.chance(0.25) ? [] : Array.from({ length: rand.chance(0.85) ? 1 : 2 }, () => rand.pick(SOLVE_DEFECTS));
    plantAll(rand, sc as unknown as Record<string, unknown>, defects);
    fitX0(sc);
    let args: [unknown, unknown] = [sc.problem, sc.options];
    if (rand.chance(0.01)) args = [rand.pick([null, 5, "p", [sc.problem]]), sc.options];
    else if (rand.chance(0.01)) args = [sc.problem, rand.pick([null, 5, "o"])];
    const before = deepSnapshot(args);
    const what = `case ${c} (${defects.map((d) => d.name + (d.codes.length === 0 ? " (valid)" : "")).join(", ") || "no defect"}; ${String(sc.problem.problem)} ${String(sc.problem.f)})`;
    let r: SolveResult | null = null;
    let error: unknown = null;
    try {
      r = await withTimeout(solve(args[0] as never, args[1] as SolveOptions), what);
    } catch (e) {
      error = e;
    }
    const changed = changedAt(args, before);
    if (changed !== null) assert.unreachable(`${what}: solve() modified ${changed}`);
    const invalid = defects.some((d) => d.codes.length > 0) || args[0] !== sc.problem || args[1] !== sc.options;
    if (r !== null) {
      // Two planted defects can cancel (a longer indptr and one more row); one cannot.
      if (invalid && defects.length === 1 && args[0] === sc.problem && args[1] === sc.options) {
        const A = sc.problem.A as Record<string, unknown>;
        if (!defects[0]!.name.startsWith("A: ") || !isValidCsr(A)) assert.unreachable(`${what}: an invalid argument was accepted`);
      }
      const check = assertValidResult(r, asRawProblem(sc.problem), what, typeof sc.options.maxIterations === "number" ? sc.options.maxIterations : 100);
      if (r.status === "converged") {
        worstSlack = Math.max(worstSlack, check.slack / r.tol);
        converged++;
        if (sc.options.tol === undefined) {
          defaultTol++;
          if (check.slack <= 0.1 * r.tol) sharp++;
        }
      }
      outcomes[r.status] = (outcomes[r.status] ?? 0) + 1;
    } else {
      const one = defects.length === 1 && args[0] === sc.problem && args[1] === sc.options ? defects[0]!.codes : undefined;
      if (one !== undefined && one.length === 0) assert.unreachable(`${what}: a valid argument was rejected: ${String(error)}`);
      // A defect in A can be harmless by chance (see the csr test): then it is no defect.
      const harmless = one !== undefined && defects[0]!.name.startsWith("A: ") && isValidCsr(sc.problem.A as Record<string, unknown>);
      assertTypedError(error, what, harmless ? undefined : one);
      if (!invalid) assert.unreachable(`${what}: a valid problem was rejected: ${String(error)}`);
      outcomes.rejected!++;
    }
  }
  counts.solve += SOLVE_CASES;
  assert.ok(outcomes.rejected! > SOLVE_CASES / 3 && (outcomes.converged ?? 0) > SOLVE_CASES / 5, JSON.stringify(outcomes));
  // The gradient check must have teeth: with the default tol its rounding allowance stays well below
  // the tolerance it guards (a caller's absolute tol of 1e-14 may be below the rounding itself).
  assert.ok(sharp >= 0.95 * defaultTol, `the rounding allowance was below tol / 10 in only ${sharp} of ${defaultTol} converged cases with the default tol`);
  console.log(`# solve cases: ${JSON.stringify(outcomes)}; rounding allowance <= tol / 10 in ${sharp} of ${defaultTol} converged with the default tol (largest over all ${converged}: ${worstSlack.toExponential(2)} tol)`);
});

test("the checks above fail where they should: a modified input, a converged that the gradient does not vouch for", async () => {
  const input = { A: { indptr: Int32Array.from([0, 1]), data: [1, Number.NaN] }, w: 0.5 };
  const before = deepSnapshot(input);
  assert.is(changedAt(input, before), null);
  input.A.indptr[1] = 2;
  assert.is(changedAt(input, before), "input.A.indptr[1]");
  input.A.indptr[1] = 1;
  input.A.data[1] = 0;
  assert.is(changedAt(input, before), "input.A.data[1]");
  const problem: RawProblem = { f: "exp", A: { nrows: 3, ncols: 2, indptr: [0, 2, 3, 5], indices: [0, 1, 0, 0, 1], data: [1, 0.5, 1, 0.2, 1] }, b: [1.5, 2, 1], w: 1 };
  const r = await solve(problem);
  assert.is(r.status, "converged");
  assertValidResult(r, problem, "as solved");
  // Move x by 1e-6: a gradient of about 1e-6 is far above tol (1e-8), so the check must object.
  const moved = { ...r, x: r.x.map((v) => v + 1e-6) };
  let objection = "";
  try {
    assertValidResult(moved, problem, "moved");
  } catch (e) {
    objection = (e as Error).message;
  }
  assert.match(objection, "moved: converged, but ||grad|| at the returned x");
});

test("report the number of cases tried", () => {
  console.log(`# fuzz: ${counts.parser} parser cases, ${counts.csr + counts.solve} argument cases (csr ${counts.csr}, solve ${counts.solve})`);
  assert.is(counts.parser, PARSER_CASES + 14 + 3);
  assert.is(counts.csr + counts.solve, CSR_CASES + SOLVE_CASES);
});

test.run();
