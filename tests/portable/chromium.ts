// SPDX-License-Identifier: MIT
// The suite in headless Chromium, module workers included, on two pages served from 127.0.0.1: one
// that imports the built bundle through an import map (no bundler), and one whose script a bundler
// made with the library inside (bundled/). The second must give the first's bits. The pages' own
// errors (console, failed requests) count as failures.
import { BrowserSession } from "../browser/chromium.js";
import type { Outcome, SuiteReport } from "./suite.js";

const here = new URL(".", import.meta.url).pathname;
const session = new BrowserSession({ "/": here, "/dist/": "dist" }, 15 * 60e3);
const tally = { passed: 0, failed: 0 };

async function runPage(path: string): Promise<Record<string, Outcome> | null> {
  try {
    const page = await session.open(path);
    const report = await page.call<SuiteReport & { failures: string[] }>("runSuite", null, 15 * 60e3);
    for (const line of report.failures) console.log(`${line} (${path})`);
    for (const e of page.errors) console.log(`not ok ${path} reported no error: ${e}`);
    tally.passed += report.passed;
    tally.failed += report.failed + page.errors.length;
    return report.outcomes;
  } catch (e) {
    console.log(`not ok Chromium, ${path}: ${e instanceof Error ? e.message : String(e)}`);
    tally.failed++;
    return null;
  }
}

try {
  const mapped = await runPage("/page.html");
  const bundled = await runPage("/bundled/page.html");
  if (mapped !== null && bundled !== null) {
    const differ = Object.keys(mapped).filter((n) => JSON.stringify(mapped[n]!.x) !== JSON.stringify(bundled[n]?.x));
    if (differ.length === 0 && Object.keys(mapped).length > 0) tally.passed++;
    else {
      tally.failed++;
      console.log(`not ok the bundled page gives the import-mapped page's x: ${differ.length} cases differ (${differ.slice(0, 3).join("; ")})`);
    }
  }
  if (mapped !== null) console.log(`#outcomes ${JSON.stringify(mapped)}`);
} finally {
  await session.close();
}
console.log(`${tally.passed} passed, ${tally.failed} failed`);
