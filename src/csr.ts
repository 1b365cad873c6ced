// SPDX-License-Identifier: MIT
// Building and checking CSR matrices, and the facade's checks for vectors and weights.
//
// Everything here copies: a returned matrix or vector never shares memory with the caller's arrays,
// so the solver may hand its buffers to workers (or transfer them) without surprising the caller,
// and a caller who later edits their arrays cannot change a matrix that was already checked.
import { describe, HyperregRangeError, HyperregTypeError } from "./errors.js";
import type { CsrInput, CsrMatrix } from "./types.js";

/** Sizes, indices and row pointers are stored in Int32Array, so all of them stay below 2^31. */
const INDEX_LIMIT = 2 ** 31;

/** Rows up to this long are sorted by insertion sort: cheaper than a comparator sort on short rows. */
const INSERTION_SORT_MAX = 32;


export interface CsrOptions {
  /**
   * Throw ERR_INVALID_CSR when a row's column indices are unsorted or repeated, instead of sorting
   * them and summing duplicates.
   */
  strict?: boolean;
}

export interface CooInput {
  nrows: number;
  ncols: number;
  /** 0-based row of each entry. */
  rows: ArrayLike<number>;
  /** 0-based column of each entry. */
  cols: ArrayLike<number>;
  values: ArrayLike<number>;
}

/**
 * Checks a CSR matrix and returns a frozen copy with fresh `Int32Array` indptr/indices and
 * `Float64Array` data; the caller's arrays are never modified or shared.
 *
 * Rows whose column indices are unsorted or repeated are sorted and their duplicates summed, as
 * scipy's `sum_duplicates` does (explicit zeros stay); with `strict: true` they are an error.
 *
 * Throws ERR_INVALID_TYPE (not an object, a size not a number, an array that is not an array),
 * ERR_INVALID_VALUE (a size negative, fractional or >= 2^31), ERR_SIZE_MISMATCH (indptr length is
 * not nrows + 1, data and indices lengths differ), ERR_INVALID_CSR (indptr does not start at 0,
 * decreases or does not end at the number of entries; an index not an integer or out of range;
 * unsorted or repeated columns with `strict`), ERR_NOT_FINITE (NaN or Infinity in data).
 *
 * @example
 * const A = csr({ nrows: 2, ncols: 3, indptr: [0, 2, 3], indices: [0, 2, 1], data: [1, -2, 0.5] });
 * nnz(A); // 3
 */
export function csr(m: CsrInput, options: CsrOptions = {}): CsrMatrix {
  const input = checkObject("A", m, "an object with nrows, ncols, indptr, indices and data");
  checkOptions(options);
  const nrows = checkSize("A.nrows", input.nrows);
  const ncols = checkSize("A.ncols", input.ncols);
  const indptrIn = checkArray("A.indptr", input.indptr);
  const indicesIn = checkArray("A.indices", input.indices);
  const dataIn = checkArray("A.data", input.data);

  if (indptrIn.length !== nrows + 1) throw sizeMismatch("A.indptr", indptrIn.length, nrows + 1, "A.nrows + 1");
  if (dataIn.length !== indicesIn.length) throw sizeMismatch("A.data", dataIn.length, indicesIn.length, "A.indices.length");
  const count = indicesIn.length;
  if (count >= INDEX_LIMIT) {
    throw new HyperregRangeError("ERR_INVALID_VALUE", `A.indices has ${count} entries; hyperreg supports fewer than 2^31`, { argument: "A.indices", value: count });
  }

  const indptr = copyIndptr(indptrIn, nrows, count);
  const indices = new Int32Array(count);
  // The first entry that breaks "sorted and unique within its row", found while checking ranges.
  let disorderAt = -1;
  let disorderRow = -1;
  for (let row = 0; row < nrows; row++) {
    const end = indptr[row + 1]!;
    let previous = -1;
    for (let k = indptr[row]!; k < end; k++) {
      const column = indicesIn[k];
      if (typeof column !== "number" || !Number.isInteger(column)) {
        throw invalidIndex("CSR", `A.indices[${k}] = ${describe(column)} is not an integer (row ${row})`, "A.indices", k, column);
      }
      if (column < 0 || column >= ncols) {
        throw invalidIndex("CSR", `A.indices[${k}] = ${column} is out of range [0, ${ncols}) (row ${row})`, "A.indices", k, column);
      }
      if (column <= previous && disorderAt < 0) {
        disorderAt = k;
        disorderRow = row;
      }
      indices[k] = column;
      previous = column;
    }
  }
  if (disorderAt >= 0 && options.strict === true) {
    const column = indices[disorderAt]!;
    const before = indices[disorderAt - 1]!;
    const what =
      column === before
        ? `A.indices[${disorderAt}] = ${column} repeats column ${column} in row ${disorderRow}`
        : `A.indices[${disorderAt}] = ${column} comes after A.indices[${disorderAt - 1}] = ${before} in row ${disorderRow}`;
    throw invalidIndex(
      "CSR",
      `${what}; with strict: true the columns of each row must be sorted and unique (leave strict unset to sort them and sum duplicates)`,
      "A.indices",
      disorderAt,
      column,
    );
  }

  const data = copyFinite("A.data", dataIn);
  if (disorderAt < 0) return freezeCsr(nrows, ncols, indptr, indices, data);
  const canonicalCount = canonicalizeRows(nrows, indptr, indices, data);
  return freezeCsr(nrows, ncols, indptr, indices.slice(0, canonicalCount), data.slice(0, canonicalCount));
}

/**
 * A CSR matrix from dense rows (arrays or typed arrays of equal length), keeping the nonzeros.
 * `options.ncols` gives the width when there are no rows, and is checked against the rows otherwise.
 *
 * Throws ERR_INVALID_TYPE (rows, a row or an entry of the wrong type), ERR_INVALID_VALUE (bad
 * options.ncols, too many rows), ERR_SIZE_MISMATCH (rows of different lengths), ERR_NOT_FINITE.
 *
 * @example
 * const A = csrFromDense([[1, 0, 2], [0, 0, 3]]);
 * A.indptr; // Int32Array [0, 2, 3]
 */
export function csrFromDense(rows: ArrayLike<ArrayLike<number>>, options: { ncols?: number } = {}): CsrMatrix {
  if (!Array.isArray(rows)) {
    throw new HyperregTypeError("ERR_INVALID_TYPE", `rows must be an array of rows; received ${describe(rows)}`, { argument: "rows", value: rows });
  }
  checkObject("options", options, "an object");
  const nrows = rows.length;
  if (nrows >= INDEX_LIMIT) {
    throw new HyperregRangeError("ERR_INVALID_VALUE", `rows has ${nrows} rows; hyperreg supports fewer than 2^31`, { argument: "rows", value: nrows });
  }
  let ncols: number;
  let ncolsSource: string;
  if (options.ncols !== undefined) {
    ncols = checkSize("options.ncols", options.ncols);
    ncolsSource = "options.ncols";
  } else {
    ncols = nrows > 0 && isNumericArray(rows[0]) ? rows[0].length : 0;
    ncolsSource = "the length of rows[0]";
  }

  // First pass: check everything and count the nonzeros, so the output is allocated once.
  let count = 0;
  for (let i = 0; i < nrows; i++) {
    const argument = `rows[${i}]`;
    const row = checkArray(argument, rows[i]);
    if (row.length !== ncols) throw sizeMismatch(argument, row.length, ncols, ncolsSource);
    for (let j = 0; j < ncols; j++) {
      const value = checkFiniteEntry(argument, row, j);
      if (value !== 0) count++;
    }
  }
  if (count >= INDEX_LIMIT) {
    throw new HyperregRangeError("ERR_INVALID_VALUE", `rows has ${count} nonzeros; hyperreg supports fewer than 2^31`, { argument: "rows", value: count });
  }

  const indptr = new Int32Array(nrows + 1);
  const indices = new Int32Array(count);
  const data = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < nrows; i++) {
    const row = rows[i] as ArrayLike<number>;
    for (let j = 0; j < ncols; j++) {
      const value = row[j]!;
      if (value !== 0) {
        indices[k] = j;
        data[k] = value;
        k++;
      }
    }
    indptr[i + 1] = k;
  }
  return freezeCsr(nrows, ncols, indptr, indices, data);
}

/**
 * A CSR matrix from coordinate (COO) triplets with 0-based indices, in any order; duplicate
 * positions are summed, as scipy's `coo_matrix.tocsr()` does.
 *
 * Throws ERR_INVALID_TYPE, ERR_INVALID_VALUE (bad sizes), ERR_SIZE_MISMATCH (rows, cols and values
 * of different lengths), ERR_INVALID_CSR (an index not an integer or out of range), ERR_NOT_FINITE.
 *
 * @example
 * const A = csrFromCoo({ nrows: 2, ncols: 2, rows: [1, 0, 1], cols: [0, 1, 0], values: [1, 2, 3] });
 * A.data; // Float64Array [2, 4]
 */
export function csrFromCoo(m: CooInput): CsrMatrix {
  const input = checkObject("A", m, "an object with nrows, ncols, rows, cols and values");
  const nrows = checkSize("A.nrows", input.nrows);
  const ncols = checkSize("A.ncols", input.ncols);
  const rowsIn = checkArray("A.rows", input.rows);
  const colsIn = checkArray("A.cols", input.cols);
  const valuesIn = checkArray("A.values", input.values);
  const count = rowsIn.length;
  if (colsIn.length !== count) throw sizeMismatch("A.cols", colsIn.length, count, "A.rows.length");
  if (valuesIn.length !== count) throw sizeMismatch("A.values", valuesIn.length, count, "A.rows.length");
  if (count >= INDEX_LIMIT) {
    throw new HyperregRangeError("ERR_INVALID_VALUE", `A.rows has ${count} entries; hyperreg supports fewer than 2^31`, { argument: "A.rows", value: count });
  }
  const rows = copyCooIndices("A.rows", rowsIn, nrows);
  const cols = copyCooIndices("A.cols", colsIn, ncols);
  const values = copyFinite("A.values", valuesIn);
  return assembleCsr(nrows, ncols, rows, cols, values, count);
}

/**
 * The number of stored entries of A (explicit zeros included).
 *
 * @example
 * nnz(csrFromDense([[1, 0], [2, 3]])); // 3
 */
export function nnz(A: CsrMatrix): number {
  return A.indptr[A.nrows] ?? 0;
}

/**
 * The facade's check for a vector argument (b, x0, ...): an array or numeric typed array of
 * `length` finite numbers. Returns a fresh Float64Array copy. `lengthName` says where the expected
 * length comes from, for the message.
 *
 * Throws ERR_INVALID_TYPE (not an array, or an entry not a number), ERR_SIZE_MISMATCH,
 * ERR_NOT_FINITE.
 *
 * @example
 * toVector("b", [1, 2, 3], 3, "A.nrows"); // Float64Array [1, 2, 3]
 */
export function toVector(name: string, v: unknown, length: number, lengthName?: string): Float64Array {
  const array = checkArray(name, v);
  if (array.length !== length) throw sizeMismatch(name, array.length, length, lengthName);
  return copyFinite(name, array);
}

/**
 * The facade's check for weights: one number for every row, or a vector of `length`; all finite,
 * >= 0 and with a finite square (the loss weighs rows by w^2). Returns a fresh Float64Array.
 *
 * Throws ERR_INVALID_TYPE, ERR_SIZE_MISMATCH, ERR_NOT_FINITE, ERR_INVALID_VALUE (a negative weight,
 * or one beyond 1.34e154, whose square overflows).
 *
 * @example
 * toWeights(0.5, 3); // Float64Array [0.5, 0.5, 0.5]
 */
export function toWeights(w: unknown, length: number, lengthName?: string): Float64Array {
  return checkedWeights(w, length, lengthName, false);
}

/** toWeights squared: the w^2 the loss weighs rows by, in the one copy the checks make. */
export function toSquaredWeights(w: unknown, length: number, lengthName?: string): Float64Array {
  return checkedWeights(w, length, lengthName, true);
}

function checkedWeights(w: unknown, length: number, lengthName: string | undefined, square: boolean): Float64Array {
  if (typeof w === "number") {
    if (!Number.isFinite(w)) throw new HyperregRangeError("ERR_NOT_FINITE", `w = ${describe(w)} is not finite`, { argument: "w", value: w });
    if (w < 0) throw negativeWeight("w", w);
    if (!Number.isFinite(w * w)) throw hugeWeight("w", w);
    return new Float64Array(length).fill(square ? w * w : w);
  }
  if (!isNumericArray(w)) {
    throw new HyperregTypeError("ERR_INVALID_TYPE", `w must be a number or an array of numbers; received ${describe(w)}`, { argument: "w", value: w });
  }
  if (w.length !== length) throw sizeMismatch("w", w.length, length, lengthName);
  const weights = copyNumbers("w", w);
  if (weightsOk(weights, square)) return weights;
  // Which error: the first weight that is not finite, else the first negative or huge one (the
  // original values: a failed check squared only those before it).
  const original = copyNumbers("w", w);
  for (let i = 0; i < original.length; i++) if (!Number.isFinite(original[i])) throw notFinite("w", i, original[i]!);
  const i = original.findIndex((v) => v < 0 || v * v === Infinity);
  throw original[i]! < 0 ? negativeWeight(`w[${i}]`, original[i]!, i) : hugeWeight(`w[${i}]`, original[i]!, i);
}

/**
 * Whether every weight is finite, >= 0 and has a finite square (squaring them in place when
 * `square`). A loop of its own, with no throw inside: V8 keeps it optimized (with the throws inline,
 * the checks ran at about 40 ns an element once warm, 1e6 weights in 40 ms of every solve's setup),
 * and one loop where a check, then another, then the square took three.
 */
function weightsOk(w: Float64Array, square: boolean): boolean {
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    const v2 = v * v;
    // NaN fails v >= 0; an infinity, or a weight beyond 1.34e154, fails v2 < Infinity.
    if (!(v >= 0 && v2 < Infinity)) return false;
    if (square) w[i] = v2;
  }
  return true;
}

/**
 * @internal Trusted triplets (0-based, in range, finite; `count` of them) to a canonical frozen
 * CSR matrix: a stable counting sort by row, then each row sorted by column with duplicates
 * summed. Linear in nnz + nrows when the rows come out sorted, as they do for row- or
 * column-ordered input. Used by csrFromCoo and the Matrix Market reader.
 */
export function assembleCsr(nrows: number, ncols: number, rows: Int32Array, cols: Int32Array, values: Float64Array, count: number): CsrMatrix {
  const indptr = new Int32Array(nrows + 1);
  for (let k = 0; k < count; k++) {
    const slot = rows[k]! + 1;
    indptr[slot] = indptr[slot]! + 1;
  }
  for (let row = 0; row < nrows; row++) indptr[row + 1] = indptr[row + 1]! + indptr[row]!;

  const nextSlot = indptr.slice(0, nrows);
  const indices = new Int32Array(count);
  const data = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const row = rows[k]!;
    const slot = nextSlot[row]!;
    nextSlot[row] = slot + 1;
    indices[slot] = cols[k]!;
    data[slot] = values[k]!;
  }
  const canonicalCount = canonicalizeRows(nrows, indptr, indices, data);
  if (canonicalCount === count) return freezeCsr(nrows, ncols, indptr, indices, data);
  return freezeCsr(nrows, ncols, indptr, indices.slice(0, canonicalCount), data.slice(0, canonicalCount));
}

/** Arrays and numeric typed arrays; bigint arrays and DataView hold no plain numbers. */
function isNumericArray(value: unknown): value is ArrayLike<unknown> {
  if (Array.isArray(value)) return true;
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array);
}

function checkObject(argument: string, value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HyperregTypeError("ERR_INVALID_TYPE", `${argument} must be ${what}; received ${describe(value)}`, { argument, value });
  }
  return value as Record<string, unknown>;
}

function checkOptions(options: unknown): void {
  const o = checkObject("options", options, "an object");
  if (o.strict !== undefined && typeof o.strict !== "boolean") {
    throw new HyperregTypeError("ERR_INVALID_TYPE", `options.strict must be a boolean; received ${describe(o.strict)}`, { argument: "options.strict", value: o.strict });
  }
}

function checkSize(argument: string, value: unknown): number {
  if (typeof value !== "number") {
    throw new HyperregTypeError("ERR_INVALID_TYPE", `${argument} must be a number; received ${describe(value)}`, { argument, value });
  }
  if (!Number.isInteger(value) || value < 0 || value >= INDEX_LIMIT) {
    throw new HyperregRangeError("ERR_INVALID_VALUE", `${argument} = ${describe(value)} must be a non-negative integer below 2^31`, { argument, value });
  }
  return value;
}

function checkArray(argument: string, value: unknown): ArrayLike<unknown> {
  if (!isNumericArray(value)) {
    throw new HyperregTypeError("ERR_INVALID_TYPE", `${argument} must be an array or a typed array of numbers; received ${describe(value)}`, { argument, value });
  }
  return value;
}

function sizeMismatch(argument: string, length: number, expected: number, why?: string): HyperregRangeError {
  const because = why === undefined ? "" : ` (${why})`;
  return new HyperregRangeError("ERR_SIZE_MISMATCH", `${argument} has length ${length}; expected ${expected}${because}`, { argument, value: length });
}

function invalidIndex(format: "CSR" | "COO", message: string, argument: string, index: number, value: unknown): HyperregRangeError {
  return new HyperregRangeError("ERR_INVALID_CSR", `invalid ${format} matrix: ${message}`, { argument, index, value });
}

/** A weight whose square, the weight the loss gives its row, is beyond the double range. */
function hugeWeight(argument: string, value: number, index?: number): HyperregRangeError {
  const details = index === undefined ? { argument: "w", value } : { argument: "w", index, value };
  return new HyperregRangeError("ERR_INVALID_VALUE", `${argument} = ${value} is too large: the loss weighs its row by w^2, which overflows double beyond 1.34e154; a weight far smaller already pins (A x)_i to 0`, details);
}

function negativeWeight(argument: string, value: number, index?: number): HyperregRangeError {
  const details = index === undefined ? { argument: "w", value } : { argument: "w", index, value };
  return new HyperregRangeError("ERR_INVALID_VALUE", `${argument} = ${value} is negative; weights must be >= 0`, details);
}

/** Copies A.indptr, checking that it starts at 0, never decreases and ends at `count` entries. */
function copyIndptr(source: ArrayLike<unknown>, nrows: number, count: number): Int32Array {
  const indptr = new Int32Array(nrows + 1);
  let previous = 0;
  for (let i = 0; i <= nrows; i++) {
    const value = source[i];
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw invalidIndex("CSR", `A.indptr[${i}] = ${describe(value)} is not an integer`, "A.indptr", i, value);
    }
    if (i === 0 && value !== 0) {
      throw invalidIndex("CSR", `A.indptr[0] = ${value}; expected 0`, "A.indptr", 0, value);
    }
    if (value < previous) {
      throw invalidIndex("CSR", `A.indptr[${i}] = ${value} is less than A.indptr[${i - 1}] = ${previous}; row pointers must not decrease`, "A.indptr", i, value);
    }
    if (value > count) {
      throw invalidIndex("CSR", `A.indptr[${i}] = ${value} is beyond the number of entries, A.indices.length = ${count}`, "A.indptr", i, value);
    }
    indptr[i] = value;
    previous = value;
  }
  if (previous !== count) {
    throw invalidIndex("CSR", `A.indptr[${nrows}] = ${previous} must equal the number of entries, A.indices.length = ${count}`, "A.indptr", nrows, previous);
  }
  return indptr;
}

function copyCooIndices(argument: string, source: ArrayLike<unknown>, limit: number): Int32Array {
  const out = new Int32Array(source.length);
  for (let k = 0; k < source.length; k++) {
    const value = source[k];
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw invalidIndex("COO", `${argument}[${k}] = ${describe(value)} is not an integer`, argument, k, value);
    }
    if (value < 0 || value >= limit) {
      throw invalidIndex("COO", `${argument}[${k}] = ${value} is out of range [0, ${limit})`, argument, k, value);
    }
    out[k] = value;
  }
  return out;
}

/** A fresh Float64Array copy of `source`, every entry a finite number. */
function copyFinite(argument: string, source: ArrayLike<unknown>): Float64Array {
  const out = copyNumbers(argument, source);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw notFinite(argument, i, out[i]!);
  }
  return out;
}

/** A Float64Array copy of an array of numbers (a typed array converts in one native call). */
function copyNumbers(argument: string, source: ArrayLike<unknown>): Float64Array {
  const out = new Float64Array(source.length);
  if (ArrayBuffer.isView(source)) {
    // Typed arrays hold numbers only; `set` converts any element type in one native call.
    out.set(source as ArrayLike<number>);
  } else {
    for (let i = 0; i < source.length; i++) {
      const value = source[i];
      if (typeof value !== "number") throw notANumber(argument, i, value);
      out[i] = value;
    }
  }
  return out;
}

function checkFiniteEntry(argument: string, row: ArrayLike<unknown>, j: number): number {
  const value = row[j];
  if (typeof value !== "number") throw notANumber(argument, j, value);
  if (!Number.isFinite(value)) throw notFinite(argument, j, value);
  return value;
}

function notANumber(argument: string, index: number, value: unknown): HyperregTypeError {
  return new HyperregTypeError("ERR_INVALID_TYPE", `${argument}[${index}] = ${describe(value)} is not a number`, { argument, index, value });
}

function notFinite(argument: string, index: number, value: number): HyperregRangeError {
  return new HyperregRangeError("ERR_NOT_FINITE", `${argument}[${index}] = ${describe(value)} is not finite`, { argument, index, value });
}

/**
 * Sorts each row by column and sums repeated columns, in place, like scipy's `sum_duplicates`
 * (explicit zeros stay). Rewrites indptr to match and returns the new number of entries; the
 * entries are compacted to the front of `indices` and `data`.
 */
function canonicalizeRows(nrows: number, indptr: Int32Array, indices: Int32Array, data: Float64Array): number {
  let write = 0;
  let start = 0;
  for (let row = 0; row < nrows; row++) {
    const end = indptr[row + 1]!;
    sortRow(indices, data, start, end);
    let k = start;
    while (k < end) {
      const column = indices[k]!;
      let sum = data[k]!;
      k++;
      while (k < end && indices[k] === column) {
        sum += data[k]!;
        k++;
      }
      indices[write] = column;
      data[write] = sum;
      write++;
    }
    indptr[row + 1] = write;
    start = end;
  }
  return write;
}

/** Sorts entries start..end-1 by column, keeping the input order of equal columns (so sums are reproducible). */
function sortRow(indices: Int32Array, data: Float64Array, start: number, end: number): void {
  let sorted = true;
  for (let k = start + 1; k < end; k++) {
    if (indices[k]! < indices[k - 1]!) {
      sorted = false;
      break;
    }
  }
  if (sorted) return;

  if (end - start <= INSERTION_SORT_MAX) {
    for (let k = start + 1; k < end; k++) {
      const column = indices[k]!;
      const value = data[k]!;
      let j = k - 1;
      while (j >= start && indices[j]! > column) {
        indices[j + 1] = indices[j]!;
        data[j + 1] = data[j]!;
        j--;
      }
      indices[j + 1] = column;
      data[j + 1] = value;
    }
    return;
  }

  const length = end - start;
  const columns = indices.slice(start, end);
  const values = data.slice(start, end);
  const order = new Int32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  // The position tie-break keeps equal columns in input order whatever the engine's sort does.
  order.sort((a, b) => columns[a]! - columns[b]! || a - b);
  for (let i = 0; i < length; i++) {
    indices[start + i] = columns[order[i]!]!;
    data[start + i] = values[order[i]!]!;
  }
}

/**
 * Matrices this module built and checked. `solve` takes them as they are instead of checking and
 * copying A again (an O(nnz) copy that would double the memory of a large problem). Their arrays
 * are the matrix's own: callers that write into them afterwards must run `csr()` again.
 */
const checked = new WeakSet<CsrMatrix>();

export function freezeCsr(nrows: number, ncols: number, indptr: Int32Array, indices: Int32Array, data: Float64Array): CsrMatrix {
  const A = Object.freeze({ nrows, ncols, indptr, indices, data });
  checked.add(A);
  return A;
}

/** A checked CsrMatrix: `A` itself when csr() (or a parser) built it, else a checked copy. */
export function asCsr(A: unknown): CsrMatrix {
  return typeof A === "object" && A !== null && checked.has(A as CsrMatrix) ? (A as CsrMatrix) : csr(A as CsrInput);
}

/** y = A x in plain TypeScript, for one-off passes outside the engine (x of length ncols). */
export function csrMatVec(A: CsrMatrix, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(A.nrows);
  for (let i = 0; i < A.nrows; i++) {
    let s = 0;
    for (let p = A.indptr[i]!; p < A.indptr[i + 1]!; p++) s += A.data[p]! * x[A.indices[p]!]!;
    y[i] = s;
  }
  return y;
}

/** y = A^T v in plain TypeScript (v of length nrows). */
export function csrMatTVec(A: CsrMatrix, v: ArrayLike<number>): Float64Array {
  const y = new Float64Array(A.ncols);
  for (let i = 0; i < A.nrows; i++) {
    const vi = v[i]!;
    if (vi !== 0) for (let p = A.indptr[i]!; p < A.indptr[i + 1]!; p++) y[A.indices[p]!]! += vi * A.data[p]!;
  }
  return y;
}
