// SPDX-License-Identifier: MIT
// A small, strict flag parser: `--name value` or `--name=value`, booleans without a value.
import { HyperregRangeError } from "../index.js";

export interface FlagSpec {
  readonly [name: string]: "string" | "boolean";
}

export function parseFlags(argv: readonly string[], spec: FlagSpec): Map<string, string | true> {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw usage(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (kind === undefined) throw usage(`unknown option --${name}`);
    if (flags.has(name)) throw usage(`option --${name} given twice`);
    if (kind === "boolean") {
      if (eq >= 0) throw usage(`option --${name} takes no value`);
      flags.set(name, true);
    } else {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith("--"))) throw usage(`option --${name} needs a value`);
      flags.set(name, value);
    }
  }
  return flags;
}

export function usage(message: string): HyperregRangeError {
  return new HyperregRangeError("ERR_INVALID_VALUE", `${message} (see hyperreg --help)`, { argument: "argv" });
}

/** A numeric flag: "1e-8", "0.5", "12" (not "12abc", not empty). */
export function numberFlag(name: string, text: string, integer: boolean): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new HyperregRangeError("ERR_INVALID_VALUE", `invalid --${name}: expected ${integer ? "an integer" : "a number"}, received ${JSON.stringify(text)}`, { argument: `--${name}`, value: text });
  }
  return v;
}
