// SPDX-License-Identifier: MIT
// CPU time of the calling thread, for benchmarks on busy machines: wall time alone cannot tell a
// slow worker from one that waited for a core. Linux tells it in /proc/thread-self/stat (in clock
// ticks, 100 per second); elsewhere it is unknown and the timer reads null.

/** A function that reads this thread's CPU time in milliseconds, or null where none can be read. */
export async function threadCpuTimer(): Promise<(() => number) | null> {
  if (typeof (globalThis as { process?: { platform?: string } }).process?.platform !== "string") return null;
  try {
    const fs = await import("node:fs");
    const read = () => {
      const stat = fs.readFileSync("/proc/thread-self/stat", "latin1");
      // Fields after "(comm) ": state is the first, utime the 12th and stime the 13th.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return (Number(fields[11]) + Number(fields[12])) * 10;
    };
    return Number.isFinite(read()) ? read : null;
  } catch {
    return null;
  }
}
