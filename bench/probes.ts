/**
 * Probe scheduler and http kind under load, against bench/probe-target.ts running as a separate
 * process (its CPU is not charged here), on 127.0.0.1.
 *
 *   (a) 15,000 http probes every 5 s (3,000 probes/s) for 30 s after one interval of warm-up:
 *       completed runs/s, scheduling lateness p99, CPU of this process per probe run, failures.
 *   (b) 10,000 probes every 5 s (2,000 probes/s) with injected delays of 10-200 ms:
 *       p99 of |measured latency − injected delay|.
 *
 * `runProbeLoad({ onResult })` is the loop: the default hook turns each result into samples
 * (toSamples) as production does; plug in storage and rule evaluation there to measure the whole
 * pipeline. `PROBES_BENCH_CONNECTIONS=fresh` runs the same load with a fresh connection per check
 * (the comparison behind the keep-alive default).
 */
import { type ChildProcess, fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { HttpProbeConfig } from "../src/config/index.js";
import { systemClock } from "../src/core/clock.js";
import {
  type ActiveProbeConfig,
  createHttpKind,
  type ProbeResult,
  ProbeScheduler,
  type SchedulerStats,
  tcpKind,
  toSamples,
} from "../src/probes/index.js";
import { atLeast, atMost, type BenchResult } from "./lib.js";

export interface ProbeTarget {
  port: number;
  /** CPU used by the target process so far, ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

/** Forks the compiled bench/probe-target.js and waits (≤ 10 s) for its port. */
export async function startProbeTarget(): Promise<ProbeTarget> {
  const child: ChildProcess = fork(fileURLToPath(new URL("./probe-target.js", import.meta.url)), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("probe target did not start within 10 s")), 10_000);
    child.once("message", (m) => {
      clearTimeout(timer);
      resolve((m as { port: number }).port);
    });
    child.once("exit", (code) => reject(new Error(`probe target exited with ${code}`)));
  });
  return {
    port,
    cpuMs: () =>
      new Promise((resolve) => {
        child.once("message", (m) => {
          const u = m as NodeJS.CpuUsage;
          resolve((u.user + u.system) / 1000);
        });
        child.send("cpu");
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.disconnect();
      }),
  };
}

export interface ProbeLoadOptions {
  target: ProbeTarget;
  probes: number;
  intervalMs: number;
  /** Measured after this warm-up (at least one interval: first runs connect afresh). */
  warmupMs: number;
  measureMs: number;
  /** Injected delay of probe i, ms (the target path is /delay/<ms>). */
  delayOf: (i: number) => number;
  /** Called for every result inside the measured window, after the default toSamples. */
  onResult?: (result: ProbeResult, probe: ActiveProbeConfig) => void;
  keepAlive?: boolean;
}

export interface ProbeLoadFigures {
  runs: number;
  runsPerSec: number;
  cpuMsPerRun: number;
  targetCpuMsPerRun: number;
  /** |latency − injected delay|, ms, successful runs only. */
  errorP50: number;
  errorP99: number;
  stats: SchedulerStats;
  failures: Map<string, number>;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

export async function runProbeLoad(opts: ProbeLoadOptions): Promise<ProbeLoadFigures> {
  const kind = createHttpKind({ keepAlive: opts.keepAlive ?? true });
  const delays = new Map<string, number>();
  const configs: HttpProbeConfig[] = [];
  for (let i = 0; i < opts.probes; i++) {
    const delay = opts.delayOf(i);
    const name = `bench-${i}`;
    delays.set(name, delay);
    configs.push({
      type: "http",
      name,
      target: `http://127.0.0.1:${opts.target.port}/delay/${delay}?p=${i}`,
      method: "GET",
      labels: { agency: "BENCH", service: `svc-${i % 50}` },
      interval: opts.intervalMs,
      timeout: 2_000,
      follow_redirects: true,
      max_redirects: 5,
    });
  }

  let measuring = false;
  let runs = 0;
  let samples = 0;
  const errors = new Float64Array(
    Math.ceil((opts.probes * (opts.measureMs + opts.intervalMs)) / opts.intervalMs) + 16,
  );
  let nErrors = 0;
  const failures = new Map<string, number>();
  const scheduler = new ProbeScheduler({
    clock: systemClock,
    kinds: { http: kind, tcp: tcpKind },
    onResult(result, probe) {
      if (!measuring) return;
      runs++;
      samples += toSamples(result, probe.labels).length;
      if (result.ok) {
        if (nErrors < errors.length)
          errors[nErrors++] = Math.abs(result.latencyMs - (delays.get(result.probe) ?? 0));
      } else {
        const why = result.error ?? "?";
        failures.set(why, (failures.get(why) ?? 0) + 1);
      }
      opts.onResult?.(result, probe);
    },
  });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  scheduler.setProbes(configs);
  scheduler.start();
  try {
    await sleep(opts.warmupMs);
    scheduler.resetStats();
    measuring = true;
    const cpu0 = process.cpuUsage();
    const target0 = await opts.target.cpuMs();
    const t0 = performance.now();
    await sleep(opts.measureMs);
    const cpu = process.cpuUsage(cpu0);
    const elapsed = performance.now() - t0;
    measuring = false;
    const stats = scheduler.stats();
    const targetCpu = (await opts.target.cpuMs()) - target0;
    const sorted = errors.subarray(0, nErrors).sort();
    if (samples < runs * 3) throw new Error(`expected ≥ 3 samples per run, got ${samples} for ${runs} runs`);
    return {
      runs,
      runsPerSec: runs / (elapsed / 1000),
      cpuMsPerRun: (cpu.user + cpu.system) / 1000 / runs,
      targetCpuMsPerRun: targetCpu / runs,
      errorP50: quantile(sorted, 0.5),
      errorP99: quantile(sorted, 0.99),
      stats,
      failures,
    };
  } finally {
    scheduler.stop();
    kind.close();
  }
}

/** Open-file limit and ephemeral ports: enough for the load, or a clear error before it starts. */
function checkLimits(peakSockets: number): string {
  const limits = readFileSync("/proc/self/limits", "utf8");
  const soft = Number(/Max open files\s+(\d+|unlimited)/.exec(limits)?.[1] ?? Number.NaN);
  if (Number.isFinite(soft) && soft < peakSockets * 2 + 256) {
    throw new Error(
      `open-file limit ${soft} is too low for this bench (need ≥ ${peakSockets * 2 + 256}): ulimit -n`,
    );
  }
  const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
    .trim()
    .split(/\s+/)
    .map(Number);
  return `open files ${Number.isFinite(soft) ? soft : "unlimited"}, ephemeral ports ${low}-${high}`;
}

function describeFailures(f: Map<string, number>): string {
  return [...f].map(([why, n]) => `${n}× ${why}`).join("; ") || "none";
}

export async function run(): Promise<BenchResult[]> {
  const keepAlive = process.env.PROBES_BENCH_CONNECTIONS !== "fresh";
  const mode = keepAlive ? "keep-alive" : "fresh connections";
  const limits = checkLimits(2_000);
  if (!keepAlive) {
    // A fresh connection per check leaves a TIME_WAIT per run; 3,000/s for ~40 s must fit the port range.
    console.log(
      "note: fresh connections; loopback TIME_WAIT reuse (net.ipv4.tcp_tw_reuse) is",
      readFileSync("/proc/sys/net/ipv4/tcp_tw_reuse", "utf8").trim(),
    );
  }
  const target = await startProbeTarget();
  try {
    const a = await runProbeLoad({
      target,
      probes: 15_000,
      intervalMs: 5_000,
      warmupMs: 6_000,
      measureMs: 30_000,
      delayOf: () => 20,
      keepAlive,
    });
    console.log(
      `info (a): ${limits}; ${a.runs} runs; lateness p50 ${a.stats.lateness.p50} ms, max ${a.stats.lateness.max} ms; ` +
        `target process ${a.targetCpuMsPerRun.toFixed(3)} ms CPU/request; failures: ${describeFailures(a.failures)}`,
    );
    const delays = [10, 20, 50, 100, 200];
    const b = await runProbeLoad({
      target,
      probes: 10_000,
      intervalMs: 5_000,
      warmupMs: 6_000,
      measureMs: 15_000,
      delayOf: (i) => delays[i % delays.length] ?? 20,
      keepAlive,
    });
    console.log(
      `info (b): ${b.runs} runs; |error| p50 ${b.errorP50.toFixed(2)} ms; lateness p99 ${b.stats.lateness.p99} ms; ` +
        `failures: ${describeFailures(b.failures)}`,
    );
    return [
      atLeast(`(a) http probe runs completed, 15,000 probes @ 5 s, ${mode}`, a.runsPerSec, "/s", 2_940),
      atMost("(a) slots not run (skipped + behind)", a.stats.skipped + a.stats.behind, "slots", 0),
      atMost("(a) failed runs against a healthy target", a.stats.failures, "runs", 0),
      atMost("(a) scheduling lateness p99", a.stats.lateness.p99, "ms", 50),
      atMost("(a) CPU of the prober per probe run (incl. toSamples)", a.cpuMsPerRun, "ms", 0.3),
      atMost("(b) latency error p99, |measured − injected|, 2,000 probes/s", b.errorP99, "ms", 5),
    ];
  } finally {
    await target.stop();
  }
}
