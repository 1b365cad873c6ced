// SPDX-License-Identifier: MIT
// The suite in headless Chromium: serves the suite page and dist/ from 127.0.0.1 and runs it there,
// module workers included. The page's own errors (console, failed requests) count as failures.
import { BrowserSession } from "../browser/chromium.js";
import type { SuiteReport } from "./suite.js";

const here = new URL(".", import.meta.url).pathname;
const session = new BrowserSession({ "/": here, "/dist/": "dist" }, 15 * 60e3);
try {
  const page = await session.open("/page.html");
  const report = await page.call<SuiteReport & { failures: string[] }>("runSuite", null, 15 * 60e3);
  for (const line of report.failures) console.log(line);
  for (const e of page.errors) console.log(`not ok the page reported no error: ${e}`);
  console.log(`#outcomes ${JSON.stringify(report.outcomes)}`);
  console.log(`${report.passed} passed, ${report.failed + page.errors.length} failed`);
} catch (e) {
  console.log(`not ok Chromium: ${e instanceof Error ? e.message : String(e)}`);
  console.log("0 passed, 1 failed");
} finally {
  await session.close();
}
