// SPDX-License-Identifier: MIT
// uvu's `test`, with every handler wrapped by `reported` (oracle.ts): a hyperreg error that escapes a
// test then fails it with its code and message, instead of ending the whole suite in uvu's formatter.
import { test as uvuTest } from "uvu";
import { reported } from "./oracle.js";

export const test: typeof uvuTest = new Proxy(uvuTest, {
  apply: (target, self, [name, handler]) => Reflect.apply(target, self, [name, reported(handler)]),
});
