/** `hms-ops serve` to a 200 from /healthz, and `hms-ops validate`, with a 1,000-probe config. */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { freePort, writeBigConfig } from "./fixtures.js";
import { atMost, type BenchResult, median } from "./lib.js";

const BIN = resolve("bin/hms-ops.js");
const RUNS = 5;

/**
 * CPU seconds (user + system) from /proc (Linux; undefined elsewhere): of a live process, or with
 * `children` of this process's reaped children. Printed beside the wall figures because on a
 * shared machine wall time grows with everyone else's load while CPU time barely moves.
 */
function cpuSeconds(pid: number | "self", children = false): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    const at = children ? 13 : 11; // utime, stime (or cutime, cstime), after "pid (comm) "
    return (Number(fields[at]) + Number(fields[at + 1])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

const serveCpu: number[] = [];

async function timeServeToHealthy(file: string): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [BIN, "serve", "-c", file, "--listen", `127.0.0.1:${port}`, "--no-watch"],
    {
      stdio: "ignore",
    },
  );
  try {
    const deadline = t0 + 15_000;
    while (performance.now() < deadline) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) {
        const elapsed = performance.now() - t0;
        const cpu = child.pid === undefined ? undefined : cpuSeconds(child.pid);
        if (cpu !== undefined) serveCpu.push(cpu);
        return elapsed;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error("serve did not become healthy within 15 s");
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

export async function run(): Promise<BenchResult[]> {
  serveCpu.length = 0;
  const { dir, file } = await writeBigConfig(1000);
  try {
    const serveTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) serveTimes.push(await timeServeToHealthy(file));
    const validateTimes: number[] = [];
    const validateCpu: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const cpu0 = cpuSeconds("self", true);
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [BIN, "validate", file], { encoding: "utf8" });
      validateTimes.push(performance.now() - t0);
      const cpu1 = cpuSeconds("self", true);
      if (cpu0 !== undefined && cpu1 !== undefined) validateCpu.push(cpu1 - cpu0);
      if (r.status !== 0) throw new Error(`validate failed: ${r.stderr}`);
    }
    if (serveCpu.length === RUNS && validateCpu.length === RUNS)
      console.log(
        `      CPU time (user+sys, median of ${RUNS}): serve to healthy ${median(serveCpu).toFixed(2)} s, ` +
          `validate ${median(validateCpu).toFixed(2)} s (the wall figures also count waiting for a core)`,
      );
    return [
      atMost("serve → /healthz 200, 1,000-probe config (median of 5)", median(serveTimes) / 1000, "s", 1.0),
      atMost("validate, 1,000-probe config (median of 5)", median(validateTimes) / 1000, "s", 0.5),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
