// SPDX-License-Identifier: MIT
// The one place that knows how each runtime makes a worker. Browsers and Deno have a global
// `Worker` (module workers); Node has `node:worker_threads`, wrapped as a Comlink endpoint. Where
// neither exists (edge runtimes such as workerd) `spawnWorker` returns null and the pool runs in the
// calling thread. Detection is by the global, never by `process` (Deno defines process.versions.node).
import type { Endpoint } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { HyperregError } from "../errors.js";

export interface Spawned {
  readonly endpoint: Endpoint;
  /** Calls `listener` once, with a reason, when the worker fails to load, throws uncaught or exits. */
  onDeath(listener: (reason: string) => void): void;
  terminate(): void;
}

/** Node's worker_threads, or null where it cannot be imported. */
async function nodeWorkers(): Promise<typeof import("node:worker_threads") | null> {
  try {
    return await import("node:worker_threads");
  } catch {
    return null;
  }
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "object" && e !== null && "message" in e) return String((e as { message: unknown }).message);
  return String(e);
}

/** A one-shot death notice: `die` reaches the listener once, whichever event comes first. */
function deathNotice() {
  let listener: ((reason: string) => void) | null = null;
  return {
    onDeath: (l: (reason: string) => void) => void (listener = l),
    die: (reason: string) => {
      const l = listener;
      listener = null;
      l?.(reason);
    },
  };
}

/** Whether this runtime can make workers at all. */
export async function canSpawnWorkers(): Promise<boolean> {
  return typeof Worker === "function" || typeof (await nodeWorkers())?.Worker === "function";
}

/** A new worker running `url`, or null where this runtime makes none. Throws ERR_WORKER_CRASHED. */
export async function spawnWorker(url: URL): Promise<Spawned | null> {
  try {
    return await spawn(url);
  } catch (e) {
    throw new HyperregError("ERR_WORKER_CRASHED", `a worker could not be started from ${url.href}: ${messageOf(e)}`);
  }
}

async function spawn(url: URL): Promise<Spawned | null> {
  if (typeof Worker === "function") {
    const worker = new Worker(url, { type: "module" });
    const { onDeath, die } = deathNotice();
    worker.addEventListener("error", (ev) => {
      ev.preventDefault();
      die(ev.message ? `the worker failed: ${ev.message}` : `the worker script ${url.href} failed to load or threw`);
    });
    worker.addEventListener("messageerror", () => die("a message from the worker could not be read"));
    return { endpoint: worker, onDeath, terminate: () => worker.terminate() };
  }
  const threads = await nodeWorkers();
  if (threads === null || typeof threads.Worker !== "function") return null;
  // Workers inherit Node's flags, but refuse --input-type (of `node -e` scripts) when inherited.
  const inherited = (globalThis as { process?: { execArgv?: string[] } }).process?.execArgv ?? [];
  const execArgv = inherited.filter((a) => !a.startsWith("--input-type"));
  const worker = new threads.Worker(url, execArgv.length < inherited.length ? { execArgv } : {});
  const { onDeath, die } = deathNotice();
  // An unhandled "error" event would end the whole process: always listen.
  worker.on("error", (e) => die(`the worker failed: ${messageOf(e)}`));
  worker.on("exit", (code) => die(`the worker exited with code ${code}`));
  worker.on("messageerror", (e) => die(`a message from the worker could not be read: ${messageOf(e)}`));
  return { endpoint: nodeEndpoint(worker), onDeath, terminate: () => void worker.terminate() };
}

/** Logical cores of this machine, where the runtime tells. */
export async function hardwareConcurrency(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (typeof nav?.hardwareConcurrency === "number" && nav.hardwareConcurrency > 0) return nav.hardwareConcurrency;
  try {
    const os = await import("node:os");
    return os.availableParallelism?.() ?? os.cpus().length;
  } catch {
    return 1;
  }
}
