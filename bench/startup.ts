/** `hms-ops serve` to a 200 from /healthz, and `hms-ops validate`, with a 1,000-probe config. */
import { spawn, spawnSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { freePort, writeBigConfig } from "./fixtures.js";
import { atMost, type BenchResult, median } from "./lib.js";

const BIN = resolve("bin/hms-ops.js");
const RUNS = 5;

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
      if (ok) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error("serve did not become healthy within 15 s");
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

export async function run(): Promise<BenchResult[]> {
  const { dir, file } = await writeBigConfig(1000);
  try {
    const serveTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) serveTimes.push(await timeServeToHealthy(file));
    const validateTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [BIN, "validate", file], { encoding: "utf8" });
      validateTimes.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`validate failed: ${r.stderr}`);
    }
    return [
      atMost("serve → /healthz 200, 1,000-probe config (median of 5)", median(serveTimes) / 1000, "s", 1.0),
      atMost("validate, 1,000-probe config (median of 5)", median(validateTimes) / 1000, "s", 0.5),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
