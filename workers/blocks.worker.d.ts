import { BlockSet, type BlockData, type ProblemData } from "../src/engine/blockset.js";
import type { BlockMethod } from "../src/engine/engine.js";
export type FaultKind = "throw" | "typed" | "exit" | "uncaught";
export declare const api: {
    /** The handshake: keeps the compiled module and proves it instantiates here. */
    init(module: WebAssembly.Module): Promise<"ready">;
    load: (id: number, ncols: number, data: BlockData[]) => Promise<void>;
    drop(id: number): void;
    setProblem: (id: number, f: number, perBlock: ProblemData[]) => Promise<void>;
    call: <M extends BlockMethod>(id: number, method: M, args: Parameters<BlockSet[M]>) => Promise<ReturnType<BlockSet[M]>>;
    /** CPU time of this thread (null where unknown), time spent inside requests, and their count. */
    stats: () => {
        cpuMs: number | null;
        busyMs: number;
        calls: number;
    };
    /** For the pool's tests: make the `after`-th coming request fail in the given way. */
    armFault(kind: FaultKind, after: number): void;
};
export type BlocksWorkerApi = typeof api;
