// SPDX-License-Identifier: MIT
// uvu's `test`, with every handler wrapped so that a hyperreg error escaping it fails that test with
// its code and message. uvu formats a failure's `details` as a string, and hyperreg's errors carry an
// object there: the formatter would throw and uvu would end the suite, reporting neither this failure
// nor the tests after it.
import { test as uvuTest } from "uvu";
import { isHyperregError } from "../src/index.js";

function reported(handler: (...args: unknown[]) => unknown): (...args: unknown[]) => Promise<unknown> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (e) {
      if (!isHyperregError(e)) throw e;
      const plain = new Error(`${e.name} ${e.code}: ${e.message}`);
      if (e.stack !== undefined) plain.stack = `${plain.message}\n${e.stack.split("\n").slice(1).join("\n")}`;
      throw plain;
    }
  };
}

export const test: typeof uvuTest = new Proxy(uvuTest, {
  apply: (target, self, [name, handler]) => Reflect.apply(target, self, [name, reported(handler)]),
});
