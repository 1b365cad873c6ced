// SPDX-License-Identifier: MIT
// The web demo (examples/web) in headless Chromium, driven through its buttons as a person would:
// a generated problem solves with one plotted point per Newton step, Cancel stops a long solve, the
// comparison draws a curve per Hessian mode, and files from disk load (or report their errors).
// Screenshots go to .test-out/demo.png and .test-out/demo-compare.png.
import { mkdirSync } from "node:fs";
import { test } from "./uvu.js";
import * as assert from "uvu/assert";
import type { Page } from "playwright-core";
import { BrowserSession, type BrowserPage } from "./browser/chromium.js";

const OUT = ".test-out";
const browser = new BrowserSession({ "/": "examples/web", "/dist/": "dist", "/vendor/uplot/": "node_modules/uplot/dist" }, 10 * 60e3);
test.after(() => browser.close());

/** States a run passes through; any other status is where it ended. */
const BUSY = ["idle", "generating", "solving", "running"];

/** The demo in a fresh tab, once its module script has set the form up. */
async function openDemo(): Promise<BrowserPage> {
  const tab = await browser.open("/");
  await tab.page.setViewportSize({ width: 1360, height: 900 });
  await tab.page.waitForSelector("body[data-ready=true]", { timeout: 30e3 }).catch((e) => fail(tab, e));
  return tab;
}

function fail(tab: BrowserPage, e: unknown): never {
  throw new Error(`${e instanceof Error ? e.message : String(e)}\npage errors: ${JSON.stringify(tab.errors)}`);
}

/** Waits until the data-status of `selector` leaves the busy states, and returns it. */
async function settled(tab: BrowserPage, selector: string, timeoutMs: number): Promise<string> {
  await tab.page
    .waitForFunction(([s, busy]) => !busy.includes(document.querySelector<HTMLElement>(s)!.dataset.status!), [selector, BUSY] as const, { timeout: timeoutMs })
    .catch((e) => fail(tab, e));
  return (await tab.page.$eval(selector, (el) => (el as HTMLElement).dataset.status))!;
}

/** Points per curve of a chart, as the page counted them in the data it gave uPlot. */
async function points(page: Page, id: string): Promise<Record<string, number>> {
  return JSON.parse((await page.$eval(`#${id}`, (el) => (el as HTMLElement).dataset.points)) ?? "{}");
}

async function texts(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (els) => els.map((e) => e.textContent ?? ""));
}

/** The value next to a term of a result list (dl), e.g. "Newton steps". */
async function listValue(page: Page, list: string, term: string): Promise<string> {
  return page.$eval(`#${list}`, (dl, t) => [...dl.querySelectorAll("dt")].find((dt) => dt.textContent === t)?.nextElementSibling?.textContent ?? "", term);
}

async function pickOption(page: Page, id: string, value: string) {
  await page.selectOption(`#${id}`, value);
}

test("a generated problem solves in workers, with one plotted point per Newton step", async () => {
  const tab = await openDemo();
  const { page } = tab;
  await pickOption(page, "preset", "tall");
  await pickOption(page, "hessian", "sketch-pcg");
  const threads = Number(await page.inputValue("#threads"));
  assert.ok(threads >= 1, `the page solves in workers by default (threads ${threads})`);
  await page.click("#solve");
  const status = await settled(tab, "#status", 120e3);
  const message = await page.textContent("#message");
  assert.is(status, "converged", `status ${status}: ${message}; page errors: ${JSON.stringify(tab.errors)}`);

  const steps = Number(await listValue(page, "summary", "Newton steps"));
  const rows = await texts(page, "#history tbody tr td:first-child");
  assert.ok(steps >= 1, `Newton steps: ${steps}`);
  assert.equal(rows, Array.from({ length: steps + 1 }, (_, k) => String(k)), "the history table has steps 0 .. iterations");
  assert.equal(await points(page, "loss-plot"), { loss: rows.length }, "the loss plot has one point per history row");
  const grad = await points(page, "grad-plot");
  assert.is(grad["‖gradient‖₂"], rows.length, `the gradient plot has one point per history row: ${JSON.stringify(grad)}`);
  assert.is(await listValue(page, "certificate", "holds"), "yes");
  assert.ok((await listValue(page, "summary", "threads")).startsWith(`${threads} worker`));

  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: `${OUT}/demo.png`, fullPage: true });
  assert.equal(tab.errors, [], "page errors");
});

test("Cancel stops a long solve within two seconds and shows it as cancelled", async () => {
  const tab = await openDemo();
  const { page } = tab;
  // 20000 x 300 dense rows with the exact Hessian: five or six Newton steps of a few tenths of a
  // second each here, typed in as a person would (the preset becomes "custom").
  await pickOption(page, "preset", "long");
  await page.fill("#ncols", "300");
  assert.is(await page.inputValue("#preset"), "custom");
  await pickOption(page, "hessian", "exact");
  await page.click("#solve");
  // Cancel once the first step is in: the solve is surely under way, with steps left to take.
  await page.waitForFunction(() => document.querySelectorAll("#history tbody tr").length >= 2, undefined, { timeout: 120e3 }).catch((e) => fail(tab, e));
  // The timer advances once per animation frame: it moving on mid-solve means the page still draws.
  const before = await page.textContent("#elapsed");
  await page.waitForTimeout(250);
  const after = await page.textContent("#elapsed");
  assert.is.not(after, before, `the timer read ${before} before and after 250 ms of solving`);
  const t0 = Date.now();
  await page.click("#cancel");
  const status = await settled(tab, "#status", 10e3);
  const ms = Date.now() - t0;
  assert.is(status, "cancelled", `status ${status}: ${await page.textContent("#message")}`);
  assert.is(await page.textContent("#status"), "cancelled");
  assert.ok(ms <= 2000, `the solve ended ${ms} ms after Cancel`);
  const rows = await page.$$eval("#history tbody tr", (r) => r.length);
  assert.equal(await points(page, "loss-plot"), { loss: rows }, "the plot keeps the steps taken before Cancel");
  assert.ok(await page.isEnabled("#solve"), "Solve is enabled again");
  assert.ok(await page.isDisabled("#cancel"), "Cancel is disabled again");
  console.log(`# cancelled after ${rows - 1} Newton steps; the solve ended ${ms} ms after the click`);
  assert.equal(tab.errors, [], "page errors");
});

test("the comparison runs exact, sketch and sketch-pcg on one problem and draws a curve for each", async () => {
  const tab = await openDemo();
  const { page } = tab;
  await pickOption(page, "preset", "tall");
  await page.click("#compare-run");
  const status = await settled(tab, "#compare-status", 180e3);
  assert.is(status, "done", `comparison: ${await page.textContent("#compare-status")}; error box: ${await page.textContent("#error")}`);

  const table = await page.$$eval("#compare-table tbody tr", (rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent ?? "")));
  assert.equal(table.map((r) => r[0]), ["exact", "sketch", "sketch-pcg"], "one table row per mode, in order");
  const byIteration = await points(page, "compare-grad-iter");
  const byTime = await points(page, "compare-grad-time");
  const gapByTime = await points(page, "compare-loss-time");
  for (const [mode, runStatus, steps] of table) {
    assert.is(runStatus, "converged", `${mode}: ${runStatus}`);
    const n = Number(steps) + 1;
    assert.ok(n >= 2, `${mode}: ${steps} Newton steps`);
    assert.is(byIteration[mode!], n, `${mode}: gradient-norm curve by step has one point per iterate (${JSON.stringify(byIteration)})`);
    assert.is(byTime[mode!], n, `${mode}: gradient-norm curve by time has one point per iterate (${JSON.stringify(byTime)})`);
    // Only the run that found the best loss loses a point: its final gap is 0, off a log scale.
    assert.ok(gapByTime[mode!]! >= n - 1, `${mode}: loss-gap curve (${JSON.stringify(gapByTime)})`);
  }

  mkdirSync(OUT, { recursive: true });
  await page.locator("#compare").screenshot({ path: `${OUT}/demo-compare.png` });
  assert.equal(tab.errors, [], "page errors");
});

test("a Matrix Market problem from disk solves; a malformed file and a short b report their typed errors", async () => {
  const tab = await openDemo();
  const { page } = tab;
  const fixture = "tests/fixtures/reg-exp-tiny";
  await page.check("input[name=source][value=files]");
  await page.setInputFiles("#file-A", `${fixture}/A.mtx`);
  await page.setInputFiles("#file-b", `${fixture}/b.txt`);
  await page.setInputFiles("#file-w", `${fixture}/w.txt`);
  await page.waitForFunction(() => ["A", "b", "w"].every((k) => document.getElementById(`info-${k}`)!.textContent!.startsWith("✓")), undefined, { timeout: 10e3 }).catch((e) => fail(tab, e));
  assert.is(await page.textContent("#info-A"), "✓ 50 × 5, 250 nonzeros");
  await page.click("#solve");
  assert.is(await settled(tab, "#status", 60e3), "converged", (await page.textContent("#message")) ?? "");
  assert.ok((await page.textContent("#problem-summary"))!.startsWith("A: 50 × 5"));

  await page.setInputFiles("#file-b", { name: "bad.txt", mimeType: "text/plain", buffer: Buffer.from("1.5\n2\nnot-a-number\n") });
  await page.waitForSelector("#info-b.bad", { timeout: 10e3 }).catch((e) => fail(tab, e));
  const parseError = (await page.textContent("#info-b"))!;
  assert.ok(parseError.startsWith("ERR_PARSE: ") && parseError.includes("bad.txt") && parseError.includes("line 3"), parseError);

  await page.setInputFiles("#file-b", { name: "short.txt", mimeType: "text/plain", buffer: Buffer.from("1.5\n2\n") });
  await page.waitForFunction(() => document.getElementById("info-b")!.textContent === "✓ 2 numbers", undefined, { timeout: 10e3 }).catch((e) => fail(tab, e));
  await page.click("#solve");
  assert.is(await settled(tab, "#status", 60e3), "error");
  const box = (await page.textContent("#error"))!;
  assert.ok(await page.isVisible("#error"), "the error box is shown");
  assert.ok(box.startsWith("ERR_SIZE_MISMATCH") && box.includes("b"), box);
  assert.equal(tab.errors, [], "page errors");
});

test.run();
