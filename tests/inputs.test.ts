// SPDX-License-Identifier: MIT
// Input checking and conversion: csr(), csrFromDense/Coo, toVector/toWeights and the Matrix Market
// and vector readers and writers. Every error is checked for its class, its code, and a message
// that names the argument and the value; every call is checked to leave the caller's arrays alone.
import { readFileSync } from "node:fs";
import { test } from "./uvu.js";
import * as assert from "uvu/assert";
import { csr, csrFromCoo, csrFromDense, nnz, toVector, toWeights } from "../src/csr.js";
import { HyperregParseError, HyperregRangeError, HyperregTypeError } from "../src/errors.js";
import type { ErrorCode } from "../src/errors.js";
import { formatMatrixMarket, formatVector, parseMatrixMarket, parseVector } from "../src/matrix-market.js";
import type { CsrMatrix } from "../src/types.js";

type ErrorClass = typeof HyperregTypeError | typeof HyperregRangeError | typeof HyperregParseError;

/** Runs `fn`, which must throw `Class` with `code` and a message containing each of `parts`. */
function throwsWith(fn: () => unknown, Class: ErrorClass, code: ErrorCode, ...parts: string[]): InstanceType<ErrorClass> {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  if (caught === undefined) assert.unreachable(`expected ${Class.name} ${code}, but nothing was thrown`);
  assert.instance(caught, Class, `expected ${Class.name}, got ${String(caught)}`);
  const error = caught as InstanceType<ErrorClass>;
  assert.is(error.code, code, `code of: ${error.message}`);
  for (const part of parts) assert.ok(error.message.includes(part), `message ${JSON.stringify(error.message)} should contain ${JSON.stringify(part)}`);
  return error;
}

/** A deep copy of every array in an input, to compare against after a call. */
function snapshot<T extends object>(input: T): T {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    copy[key] = Array.isArray(value) ? value.map((row: unknown) => (Array.isArray(row) ? [...row] : row)) : ArrayBuffer.isView(value) ? (value as Float64Array).slice() : value;
  }
  return copy as T;
}

/** Fails unless every array of `input` still holds what `before` recorded (NaN equal to NaN). */
function assertUnchanged(input: object, before: object): void {
  const now = Object.entries(input);
  const then = new Map(Object.entries(before));
  for (const [key, value] of now) {
    const previous = then.get(key);
    if (Array.isArray(value) || ArrayBuffer.isView(value)) {
      const a = Array.from(value as ArrayLike<unknown>, (x) => (Array.isArray(x) ? [...x] : x));
      const b = Array.from(previous as ArrayLike<unknown>, (x) => (Array.isArray(x) ? [...x] : x));
      assert.is(a.length, b.length, `${key} length changed`);
      a.forEach((x, i) => assert.ok(Array.isArray(x) ? JSON.stringify(x) === JSON.stringify(b[i]) : Object.is(x, b[i]), `${key}[${i}] changed`));
    } else {
      assert.ok(Object.is(value, previous), `${key} changed`);
    }
  }
}

function plain(A: CsrMatrix): { nrows: number; ncols: number; indptr: number[]; indices: number[]; data: number[] } {
  return { nrows: A.nrows, ncols: A.ncols, indptr: [...A.indptr], indices: [...A.indices], data: [...A.data] };
}

// 3 x 4:  [1 0 2 0; 0 0 0 0; 0 3 0 4]
const small = { nrows: 3, ncols: 4, indptr: [0, 2, 2, 4], indices: [0, 2, 1, 3], data: [1, 2, 3, 4] };

test("csr returns a frozen copy with fresh Int32Array and Float64Array buffers", () => {
  const input = { ...small, indptr: Int32Array.from(small.indptr), indices: Int32Array.from(small.indices), data: Float64Array.from(small.data) };
  const A = csr(input);
  assert.ok(Object.isFrozen(A));
  assert.instance(A.indptr, Int32Array);
  assert.instance(A.indices, Int32Array);
  assert.instance(A.data, Float64Array);
  assert.is.not(A.indptr.buffer, input.indptr.buffer);
  assert.is.not(A.indices.buffer, input.indices.buffer);
  assert.is.not(A.data.buffer, input.data.buffer);
  assert.equal(plain(A), small);
  assert.is(nnz(A), 4);
});

test("csr accepts plain arrays and any numeric typed array", () => {
  const A = csr({ ...small, indptr: Uint16Array.from(small.indptr), indices: Float64Array.from(small.indices), data: Float32Array.from(small.data) });
  assert.equal(plain(A), small);
});

test("csr sorts unsorted rows and sums duplicate columns, keeping explicit zeros", () => {
  const input = { nrows: 2, ncols: 5, indptr: [0, 4, 7], indices: [3, 1, 3, 0, 4, 4, 2], data: [1, 2, 10, 0, 5, -5, 7] };
  const before = snapshot(input);
  const A = csr(input);
  assert.equal(plain(A), { nrows: 2, ncols: 5, indptr: [0, 3, 5], indices: [0, 1, 3, 2, 4], data: [0, 2, 11, 7, 0] });
  assertUnchanged(input, before);
});

test("csr sorts long rows with the comparator path and sums their duplicates in input order", () => {
  const ncols = 100;
  const columns = Array.from({ length: 80 }, (_, k) => (k * 37) % ncols);
  const values = columns.map((_, k) => k + 1);
  columns.push(5, 5);
  values.push(1000, 2000);
  const A = csr({ nrows: 1, ncols, indptr: [0, columns.length], indices: columns, data: values });
  const expected = new Map<number, number>();
  columns.forEach((c, k) => expected.set(c, (expected.get(c) ?? 0) + values[k]!));
  const sortedColumns = [...expected.keys()].sort((a, b) => a - b);
  assert.equal([...A.indices], sortedColumns);
  assert.equal([...A.data], sortedColumns.map((c) => expected.get(c)));
  assert.is(nnz(A), sortedColumns.length);
});

test("csr with strict: true rejects an unsorted row, naming the row and the index", () => {
  const input = { nrows: 2, ncols: 5, indptr: [0, 1, 3], indices: [0, 4, 2], data: [1, 2, 3] };
  const before = snapshot(input);
  const e = throwsWith(() => csr(input, { strict: true }), HyperregRangeError, "ERR_INVALID_CSR", "A.indices[2] = 2", "row 1", "strict");
  assert.equal(e.details, { argument: "A.indices", index: 2, value: 2 });
  assertUnchanged(input, before);
});

test("csr with strict: true rejects a repeated column", () => {
  const input = { nrows: 1, ncols: 5, indptr: [0, 2], indices: [3, 3], data: [1, 2] };
  throwsWith(() => csr(input, { strict: true }), HyperregRangeError, "ERR_INVALID_CSR", "A.indices[1] = 3", "repeats column 3", "row 0");
});

test("csr with strict: true accepts a canonical matrix", () => {
  assert.equal(plain(csr(small, { strict: true })), small);
});

test("csr rejects an out-of-range column index with the message the docs promise", () => {
  const indices = [...small.indices];
  indices[3] = 25;
  const input = { ...small, ncols: 20, indices };
  const before = snapshot(input);
  const e = throwsWith(() => csr(input), HyperregRangeError, "ERR_INVALID_CSR");
  assert.is(e.message, "invalid CSR matrix: A.indices[3] = 25 is out of range [0, 20) (row 2)");
  assert.equal(e.details, { argument: "A.indices", index: 3, value: 25 });
  assertUnchanged(input, before);
});

test("csr rejects negative and fractional column indices", () => {
  throwsWith(() => csr({ ...small, indices: [0, -1, 1, 3] }), HyperregRangeError, "ERR_INVALID_CSR", "A.indices[1] = -1", "[0, 4)");
  throwsWith(() => csr({ ...small, indices: [0, 2, 1.5, 3] }), HyperregRangeError, "ERR_INVALID_CSR", "A.indices[2] = 1.5", "not an integer");
  throwsWith(() => csr({ ...small, indices: [0, 2, "1", 3] as unknown as number[] }), HyperregRangeError, "ERR_INVALID_CSR", 'A.indices[2] = "1"');
});

test("csr rejects sizes of the wrong type or domain", () => {
  throwsWith(() => csr({ ...small, nrows: "3" as unknown as number }), HyperregTypeError, "ERR_INVALID_TYPE", "A.nrows", '"3"');
  throwsWith(() => csr({ ...small, nrows: -1 }), HyperregRangeError, "ERR_INVALID_VALUE", "A.nrows = -1");
  throwsWith(() => csr({ ...small, ncols: 2.5 }), HyperregRangeError, "ERR_INVALID_VALUE", "A.ncols = 2.5");
  throwsWith(() => csr({ ...small, ncols: 2 ** 31 }), HyperregRangeError, "ERR_INVALID_VALUE", "A.ncols = 2147483648", "2^31");
  throwsWith(() => csr({ ...small, ncols: Number.NaN }), HyperregRangeError, "ERR_INVALID_VALUE", "A.ncols = NaN");
});

test("csr rejects a matrix that is not an object and arrays that are not arrays", () => {
  throwsWith(() => csr(null as unknown as typeof small), HyperregTypeError, "ERR_INVALID_TYPE", "A must be", "null");
  throwsWith(() => csr({ ...small, indptr: "0,2,2,4" as unknown as number[] }), HyperregTypeError, "ERR_INVALID_TYPE", "A.indptr", '"0,2,2,4"');
  throwsWith(() => csr({ ...small, indices: new BigInt64Array(4) as unknown as number[] }), HyperregTypeError, "ERR_INVALID_TYPE", "A.indices", "BigInt64Array");
  throwsWith(() => csr({ ...small, data: undefined as unknown as number[] }), HyperregTypeError, "ERR_INVALID_TYPE", "A.data", "undefined");
  throwsWith(() => csr(small, { strict: "yes" as unknown as boolean }), HyperregTypeError, "ERR_INVALID_TYPE", "options.strict", '"yes"');
});

test("csr rejects an indptr of the wrong length", () => {
  const input = { ...small, indptr: [0, 2, 4] };
  const before = snapshot(input);
  const e = throwsWith(() => csr(input), HyperregRangeError, "ERR_SIZE_MISMATCH", "A.indptr has length 3; expected 4 (A.nrows + 1)");
  assert.equal(e.details, { argument: "A.indptr", value: 3 });
  assertUnchanged(input, before);
});

test("csr rejects data and indices of different lengths", () => {
  throwsWith(() => csr({ ...small, data: [1, 2, 3] }), HyperregRangeError, "ERR_SIZE_MISMATCH", "A.data has length 3; expected 4 (A.indices.length)");
});

test("csr rejects an indptr that does not start at 0, decreases or ends early", () => {
  const e = throwsWith(() => csr({ ...small, indptr: [1, 2, 2, 4] }), HyperregRangeError, "ERR_INVALID_CSR", "A.indptr[0] = 1", "expected 0");
  assert.equal(e.details, { argument: "A.indptr", index: 0, value: 1 });
  throwsWith(() => csr({ ...small, indptr: [0, 3, 2, 4] }), HyperregRangeError, "ERR_INVALID_CSR", "A.indptr[2] = 2", "A.indptr[1] = 3", "must not decrease");
  throwsWith(() => csr({ ...small, indptr: [0, 2, 2, 3] }), HyperregRangeError, "ERR_INVALID_CSR", "A.indptr[3] = 3", "A.indices.length = 4");
  throwsWith(() => csr({ ...small, indptr: [0, 2, 5, 4] }), HyperregRangeError, "ERR_INVALID_CSR", "A.indptr[2] = 5", "A.indices.length = 4");
  throwsWith(() => csr({ ...small, indptr: [0, 2, 2.5, 4] }), HyperregRangeError, "ERR_INVALID_CSR", "A.indptr[2] = 2.5", "not an integer");
});

test("csr rejects NaN and Infinity in data, naming the entry", () => {
  const input = { ...small, data: Float64Array.from([1, 2, Number.NaN, 4]) };
  const before = snapshot(input);
  const e = throwsWith(() => csr(input), HyperregRangeError, "ERR_NOT_FINITE", "A.data[2] = NaN");
  assert.is(e.details.index, 2);
  assertUnchanged(input, before);
  throwsWith(() => csr({ ...small, data: [1, 2, 3, -Infinity] }), HyperregRangeError, "ERR_NOT_FINITE", "A.data[3] = -Infinity");
  throwsWith(() => csr({ ...small, data: [1, "2", 3, 4] as unknown as number[] }), HyperregTypeError, "ERR_INVALID_TYPE", 'A.data[1] = "2"');
});

test("csr accepts an empty matrix", () => {
  const A = csr({ nrows: 0, ncols: 0, indptr: [0], indices: [], data: [] });
  assert.is(nnz(A), 0);
  assert.is(A.indptr.length, 1);
});

test("csrFromDense keeps the nonzeros and agrees with csr", () => {
  const rows = [
    [1, 0, 2, 0],
    [0, 0, 0, 0],
    [0, 3, 0, 4],
  ];
  const before = rows.map((r) => [...r]);
  assert.equal(plain(csrFromDense(rows)), plain(csr(small)));
  assertUnchanged({ rows }, { rows: before });
  assert.equal(plain(csrFromDense([Float32Array.from([1, 0, 2, 0]), new Float64Array(4), [0, 3, 0, 4]])), small);
});

test("csrFromDense takes its width from options.ncols when there are no rows", () => {
  const A = csrFromDense([], { ncols: 7 });
  assert.is(A.nrows, 0);
  assert.is(A.ncols, 7);
  assert.is(nnz(A), 0);
});

test("csrFromDense rejects rows of different lengths and bad entries", () => {
  const rows = [
    [1, 2, 3],
    [4, 5],
  ];
  const before = rows.map((r) => [...r]);
  throwsWith(() => csrFromDense(rows), HyperregRangeError, "ERR_SIZE_MISMATCH", "rows[1] has length 2; expected 3");
  assertUnchanged({ rows }, { rows: before });
  throwsWith(() => csrFromDense([[1, 2]], { ncols: 3 }), HyperregRangeError, "ERR_SIZE_MISMATCH", "rows[0] has length 2; expected 3 (options.ncols)");
  throwsWith(() => csrFromDense([[1, Number.NaN]]), HyperregRangeError, "ERR_NOT_FINITE", "rows[0][1] = NaN");
  throwsWith(() => csrFromDense([[1, Infinity]]), HyperregRangeError, "ERR_NOT_FINITE", "rows[0][1] = Infinity");
  throwsWith(() => csrFromDense([[1, null]] as unknown as number[][]), HyperregTypeError, "ERR_INVALID_TYPE", "rows[0][1] = null");
  throwsWith(() => csrFromDense([[1], 2] as unknown as number[][]), HyperregTypeError, "ERR_INVALID_TYPE", "rows[1]", "2");
  throwsWith(() => csrFromDense("1 2" as unknown as number[][]), HyperregTypeError, "ERR_INVALID_TYPE", "rows", '"1 2"');
  throwsWith(() => csrFromDense([], { ncols: -2 }), HyperregRangeError, "ERR_INVALID_VALUE", "options.ncols = -2");
});

test("csrFromCoo sums duplicates, sorts rows and agrees with csr", () => {
  const input = { nrows: 3, ncols: 4, rows: [2, 0, 2, 0, 2], cols: [3, 2, 1, 0, 3], values: [1, 2, 3, 1, 3] };
  const before = snapshot(input);
  assert.equal(plain(csrFromCoo(input)), plain(csr(small)));
  assertUnchanged(input, before);
});

test("csrFromCoo rejects mismatched lengths and bad indices", () => {
  const input = { nrows: 2, ncols: 2, rows: [0, 1], cols: [0, 1], values: [1, 2] };
  const before = snapshot(input);
  throwsWith(() => csrFromCoo({ ...input, cols: [0] }), HyperregRangeError, "ERR_SIZE_MISMATCH", "A.cols has length 1; expected 2 (A.rows.length)");
  throwsWith(() => csrFromCoo({ ...input, values: [1, 2, 3] }), HyperregRangeError, "ERR_SIZE_MISMATCH", "A.values has length 3; expected 2");
  const e = throwsWith(() => csrFromCoo({ ...input, rows: [0, 2] }), HyperregRangeError, "ERR_INVALID_CSR", "A.rows[1] = 2", "[0, 2)");
  assert.equal(e.details, { argument: "A.rows", index: 1, value: 2 });
  throwsWith(() => csrFromCoo({ ...input, cols: [0, 0.5] }), HyperregRangeError, "ERR_INVALID_CSR", "A.cols[1] = 0.5", "not an integer");
  throwsWith(() => csrFromCoo({ ...input, values: [1, Number.NaN] }), HyperregRangeError, "ERR_NOT_FINITE", "A.values[1] = NaN");
  throwsWith(() => csrFromCoo({ ...input, nrows: -3 }), HyperregRangeError, "ERR_INVALID_VALUE", "A.nrows = -3");
  assertUnchanged(input, before);
});

test("no call modifies the caller's arrays, whether it returns or throws", () => {
  const unsorted = { nrows: 2, ncols: 5, indptr: Int32Array.from([0, 3, 5]), indices: Int32Array.from([4, 1, 4, 3, 0]), data: Float64Array.from([1, 2, 3, 4, 5]) };
  const withNaN = { ...small, data: Float64Array.from([1, Number.NaN, 3, 4]) };
  const coo = { nrows: 2, ncols: 3, rows: Int32Array.from([1, 0, 1, 1]), cols: Int32Array.from([2, 0, 2, 0]), values: Float64Array.from([1, 2, 3, 4]) };
  const badCoo = { ...coo, cols: Int32Array.from([2, 0, 3, 0]) };
  const dense = { rows: [Float64Array.from([0, 1]), [2, 0]] };
  const ragged = { rows: [[0, 1], [2]] };
  const vector = { v: Float64Array.from([3, -1, 2]) };
  const negative = { v: [3, -1, 2] };
  const cases: [object, () => unknown][] = [
    [unsorted, () => csr(unsorted)],
    [unsorted, () => csr(unsorted, { strict: true })],
    [withNaN, () => csr(withNaN)],
    [coo, () => csrFromCoo(coo)],
    [badCoo, () => csrFromCoo(badCoo)],
    [dense, () => csrFromDense(dense.rows)],
    [ragged, () => csrFromDense(ragged.rows)],
    [vector, () => toVector("b", vector.v, 3)],
    [vector, () => toVector("b", vector.v, 4)],
    [vector, () => toWeights(vector.v, 3)],
    [negative, () => toWeights(negative.v, 3)],
  ];
  for (const [input, call] of cases) {
    const before = snapshot(input);
    try {
      const result = call();
      if (result instanceof Float64Array) result.fill(-7);
    } catch {
      // Throwing calls must leave the input alone too.
    }
    assertUnchanged(input, before);
  }
});

test("toVector copies numbers from arrays and typed arrays", () => {
  const source = [1, 2.5, -3];
  const v = toVector("b", source, 3, "A.nrows");
  assert.instance(v, Float64Array);
  assert.equal([...v], source);
  const typed = Float64Array.from(source);
  const copy = toVector("b", typed, 3);
  assert.is.not(copy, typed);
  assert.is.not(copy.buffer, typed.buffer);
  assert.equal([...toVector("b", Int8Array.from([1, -2]), 2)], [1, -2]);
});

test("toVector rejects a wrong length with the expected length explained", () => {
  const b = new Float64Array(999);
  const e = throwsWith(() => toVector("b", b, 1000, "A.nrows"), HyperregRangeError, "ERR_SIZE_MISMATCH");
  assert.is(e.message, "b has length 999; expected 1000 (A.nrows)");
  assert.equal(e.details, { argument: "b", value: 999 });
  throwsWith(() => toVector("x0", [1], 2), HyperregRangeError, "ERR_SIZE_MISMATCH", "x0 has length 1; expected 2");
});

test("toVector rejects values that are not arrays or not finite", () => {
  throwsWith(() => toVector("b", "1,2", 2), HyperregTypeError, "ERR_INVALID_TYPE", "b must be", '"1,2"');
  throwsWith(() => toVector("b", { length: 2 }, 2), HyperregTypeError, "ERR_INVALID_TYPE", "b must be", "an object");
  throwsWith(() => toVector("b", 3, 1), HyperregTypeError, "ERR_INVALID_TYPE", "b must be", "3");
  throwsWith(() => toVector("b", [1, "2"], 2), HyperregTypeError, "ERR_INVALID_TYPE", 'b[1] = "2"');
  const source = [0, 1, Number.NaN];
  const e = throwsWith(() => toVector("b", source, 3), HyperregRangeError, "ERR_NOT_FINITE", "b[2] = NaN");
  assert.equal(e.details, { argument: "b", index: 2, value: Number.NaN });
  throwsWith(() => toVector("x0", Float32Array.from([Infinity]), 1), HyperregRangeError, "ERR_NOT_FINITE", "x0[0] = Infinity");
});

test("toWeights broadcasts one number and copies a vector", () => {
  assert.equal([...toWeights(0.5, 3)], [0.5, 0.5, 0.5]);
  const w = [1, 0, 2];
  const copy = toWeights(w, 3);
  assert.equal([...copy], w);
  copy[0] = 9;
  assertUnchanged({ w }, { w: [1, 0, 2] });
});

test("toWeights rejects negative, non-finite and wrongly typed weights", () => {
  const w = [1, -0.5, 2];
  const e = throwsWith(() => toWeights(w, 3), HyperregRangeError, "ERR_INVALID_VALUE", "w[1] = -0.5", "negative");
  assert.equal(e.details, { argument: "w", index: 1, value: -0.5 });
  assertUnchanged({ w }, { w: [1, -0.5, 2] });
  throwsWith(() => toWeights(-1, 3), HyperregRangeError, "ERR_INVALID_VALUE", "w = -1");
  throwsWith(() => toWeights(Number.NaN, 3), HyperregRangeError, "ERR_NOT_FINITE", "w = NaN");
  throwsWith(() => toWeights([1, Infinity], 2), HyperregRangeError, "ERR_NOT_FINITE", "w[1] = Infinity");
  throwsWith(() => toWeights([1, 2], 3, "A.nrows"), HyperregRangeError, "ERR_SIZE_MISMATCH", "w has length 2; expected 3 (A.nrows)");
  throwsWith(() => toWeights("1", 3), HyperregTypeError, "ERR_INVALID_TYPE", "w must be a number or an array", '"1"');
});

const generalText = ["%%MatrixMarket matrix coordinate real general", "% a comment", "3 4 4", "1 1 1", "1 3 2", "3 2 3", "3 4 4", ""].join("\n");

test("parseMatrixMarket reads a coordinate real general matrix", () => {
  assert.equal(plain(parseMatrixMarket(generalText)), small);
});

test("parseMatrixMarket accepts CRLF, blank lines, comments anywhere and case-insensitive banner words", () => {
  const text = ["%%matrixmarket MATRIX Coordinate REAL General", "%", "", "  3 4 4  ", "% between entries", "3 4 4", "", "1 3 2", "3 2 3", "\t1 1 1"].join("\r\n");
  assert.equal(plain(parseMatrixMarket(text)), small);
});

test("parseMatrixMarket sums duplicate entries and sorts unordered ones", () => {
  const text = "%%MatrixMarket matrix coordinate real general\n3 4 5\n3 4 1\n1 3 2\n3 2 3\n1 1 1\n3 4 3\n";
  assert.equal(plain(parseMatrixMarket(text)), small);
});

test("parseMatrixMarket mirrors the off-diagonal entries of a symmetric matrix", () => {
  const text = "%%MatrixMarket matrix coordinate real symmetric\n3 3 4\n1 1 2\n2 1 -1\n3 2 -1\n3 3 2\n";
  const A = parseMatrixMarket(text);
  assert.equal(plain(A), plain(csrFromDense([[2, -1, 0], [-1, 0, -1], [0, -1, 2]])));
});

test("parseMatrixMarket gives pattern entries the value 1 and reads integer values", () => {
  const pattern = parseMatrixMarket("%%MatrixMarket matrix coordinate pattern general\n2 3 3\n1 2\n2 1\n2 3\n");
  assert.equal(plain(pattern), plain(csrFromDense([[0, 1, 0], [1, 0, 1]])));
  const integer = parseMatrixMarket("%%MatrixMarket matrix coordinate integer symmetric\n2 2 2\n1 1 7\n2 1 -3\n");
  assert.equal(plain(integer), plain(csrFromDense([[7, -3], [-3, 0]])));
});

test("parseMatrixMarket reads an array matrix column by column and drops its zeros", () => {
  const text = "%%MatrixMarket matrix array real general\n% dense\n3 4\n1\n0\n0\n0\n0\n3\n2\n0\n0\n0\n0\n4\n";
  assert.equal(plain(parseMatrixMarket(text)), small);
});

test("formatMatrixMarket output parses back to the same matrix, bit for bit", () => {
  const values = [0.1, -1 / 3, 1e-300, 123456789.123456789, -0.5, Math.PI, 2 ** -1074];
  const A = csrFromCoo({ nrows: 4, ncols: 5, rows: [0, 0, 1, 3, 3, 3, 2], cols: [4, 1, 2, 0, 3, 4, 0], values });
  const text = formatMatrixMarket(A);
  assert.ok(text.startsWith("%%MatrixMarket matrix coordinate real general\n4 5 7\n"));
  assert.equal(plain(parseMatrixMarket(text)), plain(A));
});

test("formatMatrixMarket writes an empty matrix that parses back", () => {
  const A = csrFromDense([[0, 0]]);
  assert.is(formatMatrixMarket(A), "%%MatrixMarket matrix coordinate real general\n1 2 0\n");
  assert.equal(plain(parseMatrixMarket(formatMatrixMarket(A))), plain(A));
});

test("parseMatrixMarket rejects an empty text and a missing or wrong banner", () => {
  throwsWith(() => parseMatrixMarket(""), HyperregParseError, "ERR_PARSE", "line 1", "banner", "empty text");
  throwsWith(() => parseMatrixMarket("\n  \n"), HyperregParseError, "ERR_PARSE", "line 1", "only blank lines");
  const e = throwsWith(() => parseMatrixMarket("3 4 4\n1 1 1\n"), HyperregParseError, "ERR_PARSE", "line 1", "expected the banner", '"3 4 4"');
  assert.is(e.details.line, 1);
  throwsWith(() => parseMatrixMarket("%%MatrixMarket matrix coordinate real\n1 1 0\n"), HyperregParseError, "ERR_PARSE", "line 1", "5 words");
  throwsWith(() => parseMatrixMarket(42 as unknown as string), HyperregTypeError, "ERR_INVALID_TYPE", "text", "42");
});

test("parseMatrixMarket rejects complex, hermitian and skew-symmetric matrices, saying what is supported", () => {
  for (const type of ["coordinate complex general", "coordinate real hermitian", "coordinate real skew-symmetric", "array pattern general", "array real symmetric"]) {
    throwsWith(() => parseMatrixMarket(`%%MatrixMarket matrix ${type}\n1 1 1\n1 1 1\n`), HyperregParseError, "ERR_PARSE", "line 1", `unsupported Matrix Market type "matrix ${type}"`, "supported: ");
  }
  throwsWith(() => parseMatrixMarket("%%MatrixMarket vector coordinate real general\n1 1 1\n"), HyperregParseError, "ERR_PARSE", '"vector coordinate real general"');
});

test("parseMatrixMarket rejects a missing or malformed size line", () => {
  const e = throwsWith(() => parseMatrixMarket("%%MatrixMarket matrix coordinate real general\n% only a comment\n"), HyperregParseError, "ERR_PARSE", "line 3", "size line", "end of the text");
  assert.is(e.details.line, 3);
  throwsWith(() => parseMatrixMarket("%%MatrixMarket matrix coordinate real general\n3 4\n"), HyperregParseError, "ERR_PARSE", "line 2", '3 integers "rows cols entries"', 'found "3 4"');
  throwsWith(() => parseMatrixMarket("%%MatrixMarket matrix coordinate real general\n3 four 1\n"), HyperregParseError, "ERR_PARSE", "line 2", 'found "3 four 1"');
  throwsWith(() => parseMatrixMarket("%%MatrixMarket matrix coordinate real general\n3 4 1 9\n"), HyperregParseError, "ERR_PARSE", "line 2", 'found "3 4 1 9"');
  throwsWith(() => parseMatrixMarket("%%MatrixMarket matrix coordinate real general\n3000000000 4 0\n"), HyperregParseError, "ERR_PARSE", "line 2", "rows = 3000000000", "2^31");
  throwsWith(() => parseMatrixMarket("%%MatrixMarket matrix coordinate real symmetric\n3 4 0\n"), HyperregParseError, "ERR_PARSE", "line 2", "square", "3 rows and 4 cols");
});

test("parseMatrixMarket rejects an entry line with the wrong count of numbers", () => {
  const text = "%%MatrixMarket matrix coordinate real general\n%\n%\n%\n3 4 4\n1 1 1\n3 x\n";
  const e = throwsWith(() => parseMatrixMarket(text), HyperregParseError, "ERR_PARSE");
  assert.is(e.message, 'line 7: expected 3 numbers "row col value", found "3 x"');
  assert.is(e.details.line, 7);
  throwsWith(() => parseMatrixMarket("%%MatrixMarket matrix coordinate real general\n3 4 1\n1 1 1 1\n"), HyperregParseError, "ERR_PARSE", "line 3", 'found "1 1 1 1"');
  throwsWith(() => parseMatrixMarket("%%MatrixMarket matrix coordinate pattern general\n3 4 1\n1 1 1\n"), HyperregParseError, "ERR_PARSE", "line 3", '2 integers "row col"', 'found "1 1 1"');
});

test("parseMatrixMarket rejects too few entries at the end of the text and too many entries", () => {
  const few = throwsWith(() => parseMatrixMarket("%%MatrixMarket matrix coordinate real general\n3 4 3\n1 1 1\n2 2 2\n"), HyperregParseError, "ERR_PARSE", "line 5", "expected 3 entries", "line 2", "found 2");
  assert.is(few.details.line, 5);
  throwsWith(() => parseMatrixMarket("%%MatrixMarket matrix coordinate real general\n3 4 1\n1 1 1\n2 2 2\n"), HyperregParseError, "ERR_PARSE", "line 4", "expected 1 entry ", 'found more: "2 2 2"');
  // A size line that promises far more entries than the text holds must not allocate for them.
  throwsWith(() => parseMatrixMarket("%%MatrixMarket matrix coordinate real general\n2000000000 2000000000 2000000000\n1 1 1\n"), HyperregParseError, "ERR_PARSE", "expected 2000000000 entries", "found 1");
});

test("parseMatrixMarket rejects indices that are out of range, zero or not integers", () => {
  const head = "%%MatrixMarket matrix coordinate real general\n3 4 1\n";
  const e = throwsWith(() => parseMatrixMarket(`${head}4 1 1\n`), HyperregParseError, "ERR_PARSE", "line 3", "row index 4", "[1, 3]");
  assert.is(e.details.value, 4);
  throwsWith(() => parseMatrixMarket(`${head}1 5 1\n`), HyperregParseError, "ERR_PARSE", "line 3", "column index 5", "[1, 4]");
  throwsWith(() => parseMatrixMarket(`${head}0 1 1\n`), HyperregParseError, "ERR_PARSE", "line 3", "row index 0", "start at 1");
  throwsWith(() => parseMatrixMarket(`${head}1.0 1 1\n`), HyperregParseError, "ERR_PARSE", "line 3", "integer row index", '"1.0"');
  throwsWith(() => parseMatrixMarket(`${head}1 -1 1\n`), HyperregParseError, "ERR_PARSE", "line 3", "integer column index", '"-1"');
});

test("parseMatrixMarket rejects values that are not numbers, and NaN or Infinity with code ERR_NOT_FINITE", () => {
  const head = "%%MatrixMarket matrix coordinate real general\n3 4 1\n";
  throwsWith(() => parseMatrixMarket(`${head}1 1 abc\n`), HyperregParseError, "ERR_PARSE", "line 3", "expected a number", '"abc"');
  throwsWith(() => parseMatrixMarket(`${head}1 1 1.5.2\n`), HyperregParseError, "ERR_PARSE", "line 3", '"1.5.2"');
  for (const word of ["nan", "NaN", "inf", "-Inf", "Infinity", "1e999"]) {
    const e = throwsWith(() => parseMatrixMarket(`${head}1 1 ${word}\n`), HyperregParseError, "ERR_NOT_FINITE", "line 3", `"${word}"`, "not finite");
    assert.is(e.details.line, 3);
  }
  throwsWith(() => parseMatrixMarket("%%MatrixMarket matrix coordinate integer general\n1 1 1\n1 1 1.5\n"), HyperregParseError, "ERR_PARSE", "line 3", "integer value", '"1.5"');
});

test("parseMatrixMarket rejects an array body with too few or too many values", () => {
  const head = "%%MatrixMarket matrix array real general\n2 2\n";
  throwsWith(() => parseMatrixMarket(`${head}1\n2\n3\n`), HyperregParseError, "ERR_PARSE", "line 6", "expected 4 values", "found 3");
  throwsWith(() => parseMatrixMarket(`${head}1\n2\n3\n4\n5\n`), HyperregParseError, "ERR_PARSE", "line 7", "found more", '"5"');
  throwsWith(() => parseMatrixMarket(`${head}1\n2\nx\n4\n`), HyperregParseError, "ERR_PARSE", "line 5", '"x"');
  throwsWith(() => parseMatrixMarket(`${head}1\n2\nNaN\n4\n`), HyperregParseError, "ERR_NOT_FINITE", "line 5", '"NaN"');
});

test("parseMatrixMarket puts the name it is given in front of every message", () => {
  const e = throwsWith(() => parseMatrixMarket("%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 x\n", "A.mtx"), HyperregParseError, "ERR_PARSE");
  assert.ok(e.message.startsWith("A.mtx: line 3: "), e.message);
  assert.is(e.details.argument, "A.mtx");
});

test("parseVector reads one number per line, skipping blank lines and % or # comments", () => {
  const v = parseVector("# b\n% also a comment\n1\n\n  -2.5e-3  \r\n  # indented comment\n3\n", "b");
  assert.instance(v, Float64Array);
  assert.equal([...v], [1, -2.5e-3, 3]);
  assert.equal([...parseVector("")], []);
  assert.equal([...parseVector("7")], [7]);
});

test("parseVector reads a Matrix Market array with one column or one row", () => {
  assert.equal([...parseVector("%%MatrixMarket matrix array real general\n% x\n3 1\n1\n0\n-2\n")], [1, 0, -2]);
  assert.equal([...parseVector("%%MatrixMarket matrix array integer general\r\n1 3\r\n4\r\n5\r\n6\r\n")], [4, 5, 6]);
});

test("parseVector rejects lines that are not one finite number, naming the vector and the line", () => {
  const e = throwsWith(() => parseVector("1\n2\n1 2\n", "b"), HyperregParseError, "ERR_PARSE", "b: line 3", 'expected one number, found "1 2"');
  assert.equal(e.details, { argument: "b", line: 3, value: "1 2" });
  throwsWith(() => parseVector("1\nx\n", "w"), HyperregParseError, "ERR_PARSE", "w: line 2", '"x"');
  throwsWith(() => parseVector("1\nnan\n", "x0"), HyperregParseError, "ERR_NOT_FINITE", "x0: line 2", '"nan"');
  throwsWith(() => parseVector("-Infinity\n"), HyperregParseError, "ERR_NOT_FINITE", "vector: line 1", '"-Infinity"');
});

test("parseVector rejects a Matrix Market text that is not a vector", () => {
  throwsWith(() => parseVector("%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n", "b"), HyperregParseError, "ERR_PARSE", "b: line 2", "one column or one row", "2 rows and 2 cols");
  throwsWith(() => parseVector("%%MatrixMarket matrix coordinate real general\n2 1 1\n1 1 1\n", "b"), HyperregParseError, "ERR_PARSE", "b: line 1", "matrix array real general");
  throwsWith(() => parseVector("%%MatrixMarket matrix array real general\n3 1\n1\n2\n", "b"), HyperregParseError, "ERR_PARSE", "b: line 5", "expected 3 values", "found 2");
});

test("formatVector writes numbers that parseVector reads back exactly", () => {
  const v = Float64Array.from([0.1, -1 / 3, 1e-300, 5e-324, 1.7976931348623157e308, 0, 42]);
  const text = formatVector(v);
  assert.is(text.split("\n").length, v.length + 1);
  assert.equal([...parseVector(text)], [...v]);
  assert.is(formatVector([]), "");
});

test("parseMatrixMarket and parseVector read the reg-exp-tiny fixture", () => {
  const dir = `${process.cwd()}/tests/fixtures/reg-exp-tiny`;
  const A = parseMatrixMarket(readFileSync(`${dir}/A.mtx`, "utf8"));
  assert.is(A.nrows, 50);
  assert.is(A.ncols, 5);
  assert.is(nnz(A), 250);
  assert.is(A.indptr[50], 250);
  assert.is(A.data[0], -5.29781755019637e-1);
  assert.is(A.data[1], -7.350991784492177e-1);
  const b = parseVector(readFileSync(`${dir}/b.txt`, "utf8"), "b");
  assert.is(b.length, 50);
  assert.is(b[0], 0.7246367108468891);
  assert.is(toVector("b", b, A.nrows, "A.nrows").length, 50);
  assert.is(toWeights(parseVector(readFileSync(`${dir}/w.txt`, "utf8"), "w"), A.nrows).length, 50);
  assert.equal([...parseVector(readFileSync(`${dir}/x0.txt`, "utf8"), "x0")], [0, 0, 0, 0, 0]);
});

test("parseMatrixMarket reads a large coordinate file in one pass and agrees with csrFromCoo", () => {
  const nrows = 20000;
  const ncols = 300;
  const count = 200000;
  const rows = new Int32Array(count);
  const cols = new Int32Array(count);
  const values = new Float64Array(count);
  let seed = 12345;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const lines = ["%%MatrixMarket matrix coordinate real general", `${nrows} ${ncols} ${count}`];
  for (let k = 0; k < count; k++) {
    rows[k] = Math.floor(next() * nrows);
    cols[k] = Math.floor(next() * ncols);
    values[k] = next() - 0.5;
    lines.push(`${rows[k]! + 1} ${cols[k]! + 1} ${values[k]}`);
  }
  const A = parseMatrixMarket(lines.join("\n"));
  assert.equal(plain(A), plain(csrFromCoo({ nrows, ncols, rows, cols, values })));
  for (let i = 0; i < nrows; i++) {
    for (let k = A.indptr[i]! + 1; k < A.indptr[i + 1]!; k++) assert.ok(A.indices[k - 1]! < A.indices[k]!, "rows sorted and unique");
  }
});

test.run();
