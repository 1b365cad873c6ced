// SPDX-License-Identifier: MIT
// Matrix Market and plain vector texts, read in one pass over the string.
//
// The readers walk the text by character codes and slice out only the values they convert: files
// with millions of entries would otherwise spend most of their time making line strings, split
// arrays and regex matches. Entries are gathered as 0-based triplets and turned into CSR by a
// counting sort on rows (assembleCsr). Only once a line is known to be bad is it split and
// examined again, to say exactly what is wrong with it.
//
// NaN and Infinity values ("nan", "inf", "Infinity", ...) throw a HyperregParseError whose code is
// ERR_NOT_FINITE rather than ERR_PARSE: the text is well formed but its numbers cannot be used,
// and a caller can tell the two apart while still catching one class with a line number.
//
// see: https://math.nist.gov/MatrixMarket/formats.html ("The Matrix Market Exchange Formats")
import { assembleCsr, freezeCsr } from "./csr.js";
import { describe, HyperregParseError, HyperregTypeError } from "./errors.js";
import type { ErrorCode, ErrorDetails } from "./errors.js";
import type { CsrMatrix } from "./types.js";

const CARRIAGE_RETURN = 13;
const SPACE = 32;
const PERCENT = 37;
const HASH = 35;
const DIGIT_0 = 48;
const BYTE_ORDER_MARK = 0xfeff;

/** Sizes and indices become Int32Array entries. */
const INDEX_LIMIT = 2 ** 31;

/**
 * Every row costs a 4-byte pointer (and a counting-sort slot) whether or not the text lists an
 * entry for it, so a size line of a few bytes could ask for gigabytes and minutes of work. Up to
 * this many rows are read as declared; beyond it, a text must hold an entry per ROWS_PER_ENTRY rows.
 */
const FREE_ROWS = 2 ** 24;
const ROWS_PER_ENTRY = 16;

const SUPPORTED = `"matrix coordinate real|integer|pattern general|symmetric" and "matrix array real|integer general"`;
const BANNER_EXAMPLE = "%%MatrixMarket matrix coordinate real general";

/** Spellings of NaN and Infinity that C, Python and Julia write; Number() reads only "Infinity". */
const NON_FINITE_WORDS = new Set(["nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"]);

interface Header {
  format: "coordinate" | "array";
  field: "real" | "integer" | "pattern";
  symmetry: "general" | "symmetric";
  /** The banner's words after %%MatrixMarket, as written, for messages. */
  type: string;
}

/**
 * Reads a Matrix Market matrix: `coordinate` with field `real`, `integer` or `pattern` (entries
 * 1.0) and symmetry `general` or `symmetric` (each off-diagonal entry is mirrored, as scipy's
 * mmread does), or `array real|integer general` (dense, column by column; zeros are dropped).
 * Banner words are case-insensitive, lines starting with `%` and blank lines are skipped, CRLF
 * line ends are accepted, and duplicate coordinates are summed. `name` (a file name, say) prefixes
 * every error message.
 *
 * Throws HyperregParseError: code ERR_PARSE for text that does not follow the format (the message
 * names the line, what was expected and what was found; `details.line` holds the line), code
 * ERR_NOT_FINITE for NaN or Infinity values. HyperregTypeError (ERR_INVALID_TYPE) when `text` is
 * not a string.
 *
 * @example
 * const A = parseMatrixMarket("%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 4\n2 1 -1\n");
 * A.indptr; // Int32Array [0, 1, 2]
 */
export function parseMatrixMarket(text: string, name?: string): CsrMatrix {
  checkText(text);
  const reader = new TextReader(text, name);
  const header = readBanner(reader);
  if (header.format === "array") {
    const [nrows, ncols, values] = readArray(reader, header);
    return denseColumnMajorToCsr(nrows, ncols, values);
  }
  return readCoordinate(reader, header);
}

/**
 * Reads a vector: one number per line (blank lines and lines starting with `%` or `#` skipped), or
 * a Matrix Market `matrix array real|integer general` with one column or one row. `name` (the
 * argument or file the text is for) prefixes every error message. An empty text is a vector of
 * length 0; the facade's length check then says what length was expected.
 *
 * Throws HyperregParseError with code ERR_PARSE (a line that is not one number, or a Matrix Market
 * text that is not a vector) or ERR_NOT_FINITE (NaN or Infinity); `details.line` holds the line.
 * HyperregTypeError (ERR_INVALID_TYPE) when `text` is not a string.
 *
 * @example
 * parseVector("# b for the tiny problem\n0.5\n1e-3\n", "b"); // Float64Array [0.5, 0.001]
 */
export function parseVector(text: string, name = "vector"): Float64Array {
  checkText(text);
  const reader = new TextReader(text, name);
  if (startsWithBanner(text)) {
    const header = readBanner(reader);
    if (header.format !== "array") {
      throw reader.fail(1, `a vector in Matrix Market form must be "matrix array real general" with one column or one row; found "${header.type}"`, header.type);
    }
    return readArray(reader, header, { requireVector: true })[2];
  }

  // Grown by doubling: the number of values is unknown until the end of this single pass.
  let values = new Float64Array(Math.min(1024, text.length));
  let count = 0;
  while (reader.nextContentLine(true)) {
    const value = reader.restAsNumber();
    if (!Number.isFinite(value)) throw vectorLineError(reader);
    if (count === values.length) {
      const grown = new Float64Array(Math.max(16, values.length * 2));
      grown.set(values);
      values = grown;
    }
    values[count++] = value;
  }
  return count === values.length ? values : values.slice(0, count);
}

/**
 * One number per line, each written by `String(x)`, which round-trips every double exactly.
 *
 * @example
 * formatVector([0.1, -2]); // "0.1\n-2\n"
 */
export function formatVector(v: ArrayLike<number>): string {
  if (v.length === 0) return "";
  return `${Array.from(v, (x) => String(x)).join("\n")}\n`;
}

/**
 * A Matrix Market `coordinate real general` text with 1-based indices, row by row; values are
 * written by `String(x)`, as precise as `%.17g` (parseMatrixMarket reads back the same doubles).
 *
 * @example
 * formatMatrixMarket(csrFromDense([[1, 0], [0, 2.5]]));
 * // "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 2.5\n"
 */
export function formatMatrixMarket(A: CsrMatrix): string {
  const { nrows, ncols, indptr, indices, data } = A;
  const count = indptr[nrows] ?? 0;
  const lines: string[] = [BANNER_EXAMPLE, `${nrows} ${ncols} ${count}`];
  for (let row = 0; row < nrows; row++) {
    const end = indptr[row + 1]!;
    for (let k = indptr[row]!; k < end; k++) lines.push(`${row + 1} ${indices[k]! + 1} ${data[k]!}`);
  }
  return `${lines.join("\n")}\n`;
}

function checkText(text: unknown): void {
  if (typeof text !== "string") {
    throw new HyperregTypeError("ERR_INVALID_TYPE", `text must be a string; received ${describe(text)}`, { argument: "text", value: text });
  }
}

function startsWithBanner(text: string): boolean {
  let p = text.charCodeAt(0) === BYTE_ORDER_MARK ? 1 : 0;
  while (p < text.length && text.charCodeAt(p) <= SPACE) p++;
  return text.slice(p, p + 14).toLowerCase() === "%%matrixmarket";
}

/**
 * A cursor over the text: the current line's bounds and a position inside it, all as offsets into
 * the one string, so that reading a line allocates nothing.
 */
class TextReader {
  /** 1-based number of the current line; 0 before the first. */
  line = 0;
  /** Bounds of the current line, without its line break. */
  private lineStart = 0;
  private lineEnd = 0;
  /** Offset of the line after the current one. */
  private nextLineStart = 0;
  /** Where the next word of the current line is looked for. */
  private cursor = 0;

  constructor(
    readonly text: string,
    readonly name: string | undefined,
  ) {
    // Some editors start UTF-8 files with a byte-order mark.
    if (text.charCodeAt(0) === BYTE_ORDER_MARK) this.nextLineStart = 1;
  }

  /** Characters left after the current line: bounds how many entries the rest could hold. */
  get remaining(): number {
    return Math.max(0, this.text.length - this.nextLineStart);
  }

  nextLine(): boolean {
    const text = this.text;
    if (this.nextLineStart >= text.length) return false;
    let end = text.indexOf("\n", this.nextLineStart);
    if (end < 0) end = text.length;
    this.lineStart = this.nextLineStart;
    this.nextLineStart = end + 1;
    this.lineEnd = end > this.lineStart && text.charCodeAt(end - 1) === CARRIAGE_RETURN ? end - 1 : end;
    this.cursor = this.lineStart;
    this.line++;
    return true;
  }

  /** Moves to the next line holding something besides white space and comments (`%`, and `#` if asked). */
  nextContentLine(hashComments = false): boolean {
    while (this.nextLine()) {
      this.skipSpace();
      if (this.cursor < this.lineEnd) {
        const c = this.text.charCodeAt(this.cursor);
        if (c !== PERCENT && !(hashComments && c === HASH)) return true;
      }
    }
    return false;
  }

  /**
   * Reads the next word as a non-negative integer, in the same pass that finds its end; -1 when
   * there is no word or it is not all digits.
   */
  readInteger(): number {
    this.skipSpace();
    const text = this.text;
    const start = this.cursor;
    let value = 0;
    while (this.cursor < this.lineEnd) {
      const c = text.charCodeAt(this.cursor);
      if (c <= SPACE) break;
      const digit = c - DIGIT_0;
      if (digit < 0 || digit > 9) return -1;
      value = value * 10 + digit;
      this.cursor++;
    }
    return this.cursor > start ? value : -1;
  }

  /**
   * The rest of the line as one number; NaN when it is empty or not exactly one number. Number()
   * ignores the white space around the word and refuses any inside it, so the value needs no scan
   * of its own: the slice and the conversion are the whole cost.
   */
  restAsNumber(): number {
    this.skipSpace();
    if (this.cursor >= this.lineEnd) return Number.NaN;
    const value = Number(this.text.slice(this.cursor, this.lineEnd));
    this.cursor = this.lineEnd;
    return value;
  }

  /** True when only white space is left on the current line. */
  atLineEnd(): boolean {
    this.skipSpace();
    return this.cursor >= this.lineEnd;
  }

  /** The current line, trimmed, for messages. */
  lineText(): string {
    return this.text.slice(this.lineStart, this.lineEnd).trim();
  }

  fail(line: number, message: string, value?: unknown, code: ErrorCode = "ERR_PARSE"): HyperregParseError {
    const prefix = this.name === undefined ? "" : `${this.name}: `;
    const details: ErrorDetails = this.name === undefined ? { line, value } : { argument: this.name, line, value };
    return new HyperregParseError(`${prefix}line ${line}: ${message}`, details, code);
  }

  private skipSpace(): void {
    // Every control character counts as white space: tabs, CR of a stray CRLF, form feeds.
    while (this.cursor < this.lineEnd && this.text.charCodeAt(this.cursor) <= SPACE) this.cursor++;
  }
}

function readBanner(reader: TextReader): Header {
  // Blank lines before the banner are forgiven; anything else there is not a Matrix Market text.
  let found = false;
  while (reader.nextLine()) {
    if (reader.lineText() !== "") {
      found = true;
      break;
    }
  }
  if (!found) {
    const what = reader.text.length === 0 ? "an empty text" : "only blank lines";
    throw reader.fail(1, `expected the banner "${BANNER_EXAMPLE}", found ${what}`, "");
  }
  const line = reader.lineText();
  const words = splitWords(line);
  if (words[0]?.toLowerCase() !== "%%matrixmarket") {
    throw reader.fail(reader.line, `expected the banner "${BANNER_EXAMPLE}", found ${describe(line)}`, line);
  }
  if (words.length !== 5) {
    throw reader.fail(reader.line, `expected a banner of 5 words "%%MatrixMarket matrix <format> <field> <symmetry>", found ${describe(line)}`, line);
  }
  const type = words.slice(1).join(" ");
  const [object, format, field, symmetry] = words.slice(1).map((w) => w.toLowerCase());
  const coordinate = format === "coordinate" && (field === "real" || field === "integer" || field === "pattern") && (symmetry === "general" || symmetry === "symmetric");
  const array = format === "array" && (field === "real" || field === "integer") && symmetry === "general";
  if (object !== "matrix" || !(coordinate || array)) {
    throw reader.fail(reader.line, `unsupported Matrix Market type "${type}"; supported: ${SUPPORTED}`, type);
  }
  return { format: format as Header["format"], field: field as Header["field"], symmetry: symmetry as Header["symmetry"], type };
}

/** Reads the size line: `count` non-negative integers, each below 2^31. */
function readSizeLine(reader: TextReader, names: readonly string[]): number[] {
  const expected = `${names.length} integers "${names.join(" ")}"`;
  if (!reader.nextContentLine()) {
    throw reader.fail(reader.line + 1, `expected the size line, ${expected}, found the end of the text`, "");
  }
  const sizes = names.map(() => reader.readInteger());
  if (sizes.some((value) => value < 0) || !reader.atLineEnd()) {
    throw reader.fail(reader.line, `expected the size line, ${expected}, found ${describe(reader.lineText())}`, reader.lineText());
  }
  sizes.forEach((value, i) => {
    if (value >= INDEX_LIMIT) {
      throw reader.fail(reader.line, `${names[i]} = ${value} is too large; hyperreg stores sizes and indices as 32-bit integers (below 2^31)`, value);
    }
  });
  return sizes;
}

function readCoordinate(reader: TextReader, header: Header): CsrMatrix {
  const [nrows = 0, ncols = 0, entries = 0] = readSizeLine(reader, ["rows", "cols", "entries"]);
  const sizeLine = reader.line;
  const symmetric = header.symmetry === "symmetric";
  const pattern = header.field === "pattern";
  if (symmetric && nrows !== ncols) {
    throw reader.fail(sizeLine, `a symmetric matrix must be square, found ${nrows} rows and ${ncols} cols`, `${nrows} ${ncols}`);
  }
  checkRowCount(reader, sizeLine, nrows, symmetric ? 2 * entries : entries, "entries");

  // A bogus entry count must not allocate gigabytes: each entry takes at least 2 characters per
  // number (digit and separator), so the rest of the text bounds how many can follow.
  const numbersPerEntry = pattern ? 2 : 3;
  const capacity = Math.min(entries, Math.floor((reader.remaining + 1) / (2 * numbersPerEntry)) + 1);
  const slots = symmetric ? 2 * capacity : capacity;
  const rows = new Int32Array(slots);
  const cols = new Int32Array(slots);
  const values = new Float64Array(slots);
  const integerField = header.field === "integer";
  let count = 0;

  for (let k = 0; k < entries; k++) {
    if (!reader.nextContentLine()) {
      const message = `expected ${plural(entries, "entry", "entries")} (as the size line on line ${sizeLine} says), found ${k} before the end of the text`;
      throw reader.fail(reader.line + 1, message, k);
    }
    const row = reader.readInteger();
    const col = reader.readInteger();
    // NaN flags a pattern line with words left over; entryError says which problem it is.
    const value = pattern ? (reader.atLineEnd() ? 1 : Number.NaN) : reader.restAsNumber();
    const inRange = row >= 1 && row <= nrows && col >= 1 && col <= ncols;
    if (!inRange || !Number.isFinite(value) || (integerField && !Number.isInteger(value))) {
      throw entryError(reader, header, nrows, ncols);
    }

    rows[count] = row - 1;
    cols[count] = col - 1;
    values[count] = value;
    count++;
    if (symmetric && row !== col) {
      rows[count] = col - 1;
      cols[count] = row - 1;
      values[count] = value;
      count++;
    }
  }
  if (reader.nextContentLine()) {
    const message = `expected ${plural(entries, "entry", "entries")} (as the size line on line ${sizeLine} says), found more: ${describe(reader.lineText())}`;
    throw reader.fail(reader.line, message, reader.lineText());
  }
  return assembleCsr(nrows, ncols, rows, cols, values, count);
}

/** Says what is wrong with the current coordinate entry line, once the fast path has found it bad. */
function entryError(reader: TextReader, header: Header, nrows: number, ncols: number): HyperregParseError {
  const line = reader.line;
  const found = reader.lineText();
  const words = splitWords(found);
  const pattern = header.field === "pattern";
  const expected = pattern ? `2 integers "row col"` : `3 numbers "row col value"`;
  if (words.length !== (pattern ? 2 : 3)) return reader.fail(line, `expected ${expected}, found ${describe(found)}`, found);

  const bounds = [
    ["row", nrows],
    ["column", ncols],
  ] as const;
  for (let i = 0; i < 2; i++) {
    const word = words[i]!;
    const [what, limit] = bounds[i]!;
    if (!/^\d+$/.test(word)) return reader.fail(line, `expected an integer ${what} index, found ${describe(word)} in ${describe(found)}`, word);
    const index = Number(word);
    if (index < 1 || index > limit) {
      const hint = index === 0 ? "; Matrix Market indices start at 1" : "";
      return reader.fail(line, `${what} index ${word} is out of range [1, ${limit}]${hint}`, index);
    }
  }
  const word = words[2] ?? "";
  // Left: characters Number() refuses between the words, such as control characters.
  return valueError(reader, word, header.field === "integer") ?? reader.fail(line, `expected ${expected}, found ${describe(found)}`, found);
}

/** The error for a value word that is not a usable number, or undefined when it is fine. */
function valueError(reader: TextReader, word: string, integerField: boolean, expected = "a number for the value"): HyperregParseError | undefined {
  const value = Number(word);
  if (NON_FINITE_WORDS.has(word.toLowerCase()) || (!Number.isNaN(value) && !Number.isFinite(value))) {
    return reader.fail(reader.line, `value ${describe(word)} is not finite`, word, "ERR_NOT_FINITE");
  }
  if (Number.isNaN(value)) return reader.fail(reader.line, `expected ${expected}, found ${describe(word)}`, word);
  if (integerField && !Number.isInteger(value)) {
    return reader.fail(reader.line, `expected an integer value (the banner says "integer"), found ${describe(word)}`, word);
  }
  return undefined;
}

/** Reads an `array` body: nrows * ncols values, column by column, any number per line. */
function readArray(reader: TextReader, header: Header, options: { requireVector?: boolean } = {}): [number, number, Float64Array] {
  const [nrows = 0, ncols = 0] = readSizeLine(reader, ["rows", "cols"]);
  const sizeLine = reader.line;
  if (options.requireVector === true && nrows !== 1 && ncols !== 1) {
    throw reader.fail(sizeLine, `expected a vector, one column or one row, found ${nrows} rows and ${ncols} cols`, `${nrows} ${ncols}`);
  }
  const total = nrows * ncols;
  checkRowCount(reader, sizeLine, nrows, total, "values");
  const expected = `expected ${plural(total, "value", "values")} (${nrows} x ${ncols}, column by column, as the size line on line ${sizeLine} says)`;
  // As for coordinate entries: the rest of the text bounds what to allocate (2 characters a value).
  const values = new Float64Array(Math.min(total, Math.floor((reader.remaining + 1) / 2) + 1));
  const integerField = header.field === "integer";
  let count = 0;
  while (count < total) {
    if (!reader.nextContentLine()) throw reader.fail(reader.line + 1, `${expected}, found ${count} before the end of the text`, count);
    const value = reader.restAsNumber();
    if (Number.isFinite(value) && (!integerField || Number.isInteger(value))) {
      values[count++] = value;
      continue;
    }
    // Not one usable number: several values on the line (allowed), or a bad one.
    for (const word of splitWords(reader.lineText())) {
      const error = valueError(reader, word, integerField);
      if (error !== undefined) throw error;
      if (count === total) throw reader.fail(reader.line, `${expected}, found more: ${describe(reader.lineText())}`, reader.lineText());
      values[count++] = Number(word);
    }
  }
  if (reader.nextContentLine()) throw reader.fail(reader.line, `${expected}, found more: ${describe(reader.lineText())}`, reader.lineText());
  return [nrows, ncols, values];
}

/** Refuses a row count that the text's entries cannot account for (see FREE_ROWS). */
function checkRowCount(reader: TextReader, sizeLine: number, nrows: number, entries: number, what: string): void {
  if (nrows > FREE_ROWS && nrows > ROWS_PER_ENTRY * entries) {
    throw reader.fail(
      sizeLine,
      `${nrows} rows for ${entries} ${what}: beyond ${FREE_ROWS} rows hyperreg reads at most ${ROWS_PER_ENTRY} rows per entry (each row takes a 4-byte pointer, empty or not); drop the empty rows or build the matrix with csr()`,
      nrows,
    );
  }
}

function denseColumnMajorToCsr(nrows: number, ncols: number, values: Float64Array): CsrMatrix {
  const indptr = new Int32Array(nrows + 1);
  for (let j = 0; j < ncols; j++) {
    for (let i = 0; i < nrows; i++) {
      if (values[j * nrows + i] !== 0) indptr[i + 1] = indptr[i + 1]! + 1;
    }
  }
  for (let i = 0; i < nrows; i++) indptr[i + 1] = indptr[i + 1]! + indptr[i]!;
  const count = indptr[nrows]!;
  const indices = new Int32Array(count);
  const data = new Float64Array(count);
  const nextSlot = indptr.slice(0, nrows);
  // Walking column by column reaches each row in increasing column order: rows come out sorted.
  for (let j = 0; j < ncols; j++) {
    for (let i = 0; i < nrows; i++) {
      const value = values[j * nrows + i]!;
      if (value !== 0) {
        const slot = nextSlot[i]!;
        nextSlot[i] = slot + 1;
        indices[slot] = j;
        data[slot] = value;
      }
    }
  }
  return freezeCsr(nrows, ncols, indptr, indices, data);
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Splits a line into words as TextReader does: any control character or space separates. */
function splitWords(line: string): string[] {
  const words: string[] = [];
  let p = 0;
  while (p < line.length) {
    while (p < line.length && line.charCodeAt(p) <= SPACE) p++;
    const start = p;
    while (p < line.length && line.charCodeAt(p) > SPACE) p++;
    if (p > start) words.push(line.slice(start, p));
  }
  return words;
}

function vectorLineError(reader: TextReader): HyperregParseError {
  const found = reader.lineText();
  const error = splitWords(found).length === 1 ? valueError(reader, found, false, "one number") : undefined;
  // Left: several words, or characters Number() refuses, such as control characters.
  return error ?? reader.fail(reader.line, `expected one number, found ${describe(found)}`, found);
}
