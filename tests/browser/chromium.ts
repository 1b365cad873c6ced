// SPDX-License-Identifier: MIT
// Debian's headless Chromium driven by playwright-core, for the browser tests. One session per test
// file pays the browser's start once; everything it starts (browser, static server, profile folder)
// is gone after close(), which is also what happens when a deadline passes or the process exits.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { serveStatic, type StaticServer } from "./server.js";

/** Installed by `.ci/run` (Debian's `chromium` package). */
const CHROMIUM = "/usr/bin/chromium";

// Without the background-networking flags Chromium keeps trying to reach the network, which is closed
// on CI; CI runs as root, where Chromium does not start with its sandbox on.
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const LAUNCH_MS = 60e3;
const CLOSE_MS = 15e3;

/** Rejects with an error naming `what` when `promise` has not settled after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: no answer after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface BrowserPage {
  /** Awaits `window[name](arg)` in the page; its result comes back as plain data (JSON-like). */
  call<T>(name: string, arg: unknown, timeoutMs: number): Promise<T>;
  /** Console errors, uncaught exceptions and failed requests of the page, in order. */
  readonly errors: readonly string[];
  /** The tab itself, for tests that click, type and take screenshots. */
  readonly page: Page;
}

interface Started {
  context: BrowserContext;
  server: StaticServer;
}

export class BrowserSession {
  private started: Promise<Started> | null = null;
  private page: Page | null = null;
  private profile: string | null = null;
  private watchdog: NodeJS.Timeout | undefined;
  private closing: Promise<void> | null = null;

  /**
   * @param mounts folders to serve, by URL prefix (see serveStatic)
   * @param deadlineMs after this long the session closes everything and fails the process, so a
   *   stuck browser cannot hold the test run
   */
  constructor(
    private readonly mounts: Record<string, string>,
    private readonly deadlineMs: number,
  ) {}

  /** Opens `path` in a fresh tab, closing the tab opened before. */
  async open(path: string): Promise<BrowserPage> {
    const { context, server } = await this.start();
    // The first tab replaced is the blank one a persistent context opens with.
    const previous = this.page ?? context.pages()[0];
    const page = await context.newPage();
    await previous?.close();
    this.page = page;
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`uncaught ${e.name}: ${e.message}`));
    page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on("response", (r) => {
      if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    page.on("crash", () => errors.push("the page crashed"));
    const explain = (e: unknown) => new Error(`${e instanceof Error ? e.message : String(e)}${errors.length ? `\npage errors:\n  ${errors.join("\n  ")}` : ""}`);
    try {
      await page.goto(server.origin + path, { timeout: LAUNCH_MS });
    } catch (e) {
      throw explain(e);
    }
    return {
      errors,
      page,
      async call<T>(name: string, arg: unknown, timeoutMs: number): Promise<T> {
        const run = (async () => {
          // The page defines its functions once its module script (and the library it imports) loaded.
          await page.waitForFunction((n) => typeof (window as unknown as Record<string, unknown>)[n] === "function", name, { timeout: timeoutMs });
          return (await page.evaluate(
            ([n, a]) => (window as unknown as Record<string, (a: unknown) => unknown>)[n as string]!(a),
            [name, arg] as const,
          )) as T;
        })();
        try {
          return await within(run, timeoutMs, `page ${path}: ${name}()`);
        } catch (e) {
          run.catch(() => {});
          throw explain(e);
        }
      },
    };
  }

  /** Closes the browser and the server and removes the profile folder; safe to call at any time, and again. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.watchdog);
    try {
      const s = await this.started?.catch(() => null);
      if (s) {
        await within(s.context.close(), CLOSE_MS, "closing Chromium").catch((e) => console.error(e));
        await within(s.server.close(), CLOSE_MS, "closing the static server").catch((e) => console.error(e));
      }
    } finally {
      this.removeProfile();
    }
  }

  private start(): Promise<Started> {
    if (this.closing) return Promise.reject(new Error("the browser session is closed"));
    this.started ??= this.launch();
    return this.started;
  }

  private async launch(): Promise<Started> {
    this.watchdog = setTimeout(() => {
      console.error(`browser session: still open after ${this.deadlineMs} ms; closing the browser`);
      process.exitCode = 1;
      // Closing rejects the page calls still waiting, so the tests can report; whatever still holds
      // the process after that does not get to hold it for long.
      void this.close().finally(() => setTimeout(() => process.exit(1), 5e3).unref());
    }, this.deadlineMs);
    // The watchdog must not keep a process alive that has nothing else left to do.
    this.watchdog.unref();
    process.once("exit", () => this.removeProfile());

    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium package (apt-get install chromium), as .ci/run does`);
    const server = await serveStatic(this.mounts);
    try {
      this.profile = mkdtempSync(join(tmpdir(), "hyperreg-chromium-"));
      const context = await chromium.launchPersistentContext(this.profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: LAUNCH_MS });
      return { context, server };
    } catch (e) {
      await server.close();
      this.removeProfile();
      throw e;
    }
  }

  private removeProfile(): void {
    if (this.profile === null) return;
    try {
      // Chromium may still be writing into it while it shuts down.
      rmSync(this.profile, { recursive: true, force: true, maxRetries: 5 });
      this.profile = null;
    } catch (e) {
      console.error(`could not remove the browser profile ${this.profile}: ${String(e)}`);
    }
  }
}
