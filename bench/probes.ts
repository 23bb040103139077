/**
 * Probe scheduler and http kind under load, against bench/probe-target.ts running as a separate
 * process (its CPU is not charged here), on 127.0.0.1.
 *
 *   (a) 15,000 http probes every 5 s (3,000 probes/s) for 30 s after one interval of warm-up:
 *       completed runs/s, scheduling lateness p99, CPU of this process per probe run, failures.
 *   (b) 10,000 probes every 5 s (2,000 probes/s) with injected delays of 10-200 ms, 15 s:
 *       p99 of |measured latency − injected delay|. "Injected" is the delay the target really
 *       applied to that request (it records each, request read → response written); the error
 *       against the nominal /delay/<ms> is printed too, and differs by the target's own timer
 *       lateness.
 *
 * Both phases run as the app does: the kinds' I/O on the probe thread (src/probes/kinds/worker),
 * and every result's samples stored and evaluated by one SLO per probe (`startPipeline`), so the
 * main thread is as busy as in production. Switches, for A/B comparisons run back to back:
 * `PROBES_BENCH_THREAD=off` (kinds in-process), `PROBES_BENCH_PIPELINE=off` (toSamples only),
 * `PROBES_BENCH_CONNECTIONS=fresh` (a fresh connection per check: the comparison behind the
 * keep-alive default), `PROBES_BENCH_PHASES=b` (one phase only), `PROBES_BENCH_NICE=0` (neither the probe thread nor
 * the target process asks for a higher priority; default −10, granted to root).
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { HttpProbeConfig } from "../src/config/index.js";
import { systemClock } from "../src/core/clock.js";
import {
  type ActiveProbeConfig,
  createHttpKind,
  createThreadKinds,
  type HttpKindOptions,
  type ProbeResult,
  ProbeScheduler,
  type SchedulerStats,
  type ThreadKinds,
  tcpKind,
  toSamples,
} from "../src/probes/index.js";
import { RuleEngine, ruleMigrations } from "../src/rules/index.js";
import { createSeriesStore, seriesMigrations } from "../src/series/index.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { atLeast, atMost, type BenchResult } from "./lib.js";

/** Delays the target applied, per probe index and in request order. */
export interface AppliedDelays {
  perProbe: number;
  counts: number[];
  applied: number[];
}

export interface ProbeTarget {
  port: number;
  /** The target process's nice value. */
  nice: number;
  /** CPU used by the target process so far, ms. */
  cpuMs(): Promise<number>;
  applied(): Promise<AppliedDelays>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Forks the compiled bench/probe-target.js and waits (≤ 10 s) for its port. The target asks for
 * `nice` (where permitted), so that on a busy machine its own waits for a core, which read as the
 * prober's error, stay small.
 */
export async function startProbeTarget(nice = 0): Promise<ProbeTarget> {
  const child: ChildProcess = fork(
    fileURLToPath(new URL("./probe-target.js", import.meta.url)),
    [`--nice=${nice}`],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  const hello = await new Promise<{ port: number; nice: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("probe target did not start within 10 s")), 10_000);
    child.once("message", (m) => {
      clearTimeout(timer);
      resolve(m as { port: number; nice: number });
    });
    child.once("exit", (code) => reject(new Error(`probe target exited with ${code}`)));
  });
  let nextId = 0;
  const ask = <T>(q: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        child.off("message", onMessage);
        reject(new Error(`probe target did not answer "${q}" within 10 s`));
      }, 10_000);
      const onMessage = (m: unknown) => {
        if ((m as { id?: number }).id !== id) return;
        clearTimeout(timer);
        child.off("message", onMessage);
        resolve(m as T);
      };
      child.on("message", onMessage);
      child.send({ q, id });
    });
  return {
    port: hello.port,
    nice: hello.nice,
    cpuMs: async () => {
      const { cpu } = await ask<{ cpu: NodeJS.CpuUsage }>("cpu");
      return (cpu.user + cpu.system) / 1000;
    },
    applied: () => ask<AppliedDelays>("applied"),
    reset: async () => {
      await ask("reset");
    },
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
  /** Measured after this warm-up. */
  warmupMs: number;
  measureMs: number;
  /** Injected delay of probe i, ms (the target path is /delay/<ms>). */
  delayOf: (i: number) => number;
  /** Every result (warm-up too) is stored and evaluated here; without it, only toSamples runs. */
  pipeline?: Pipeline;
  keepAlive?: boolean;
  /** Run the kinds' I/O on the probe thread (src/probes/kinds/worker), as the app does; default true. */
  thread?: boolean;
  /** The nice value the probe thread asks for (the app's default when undefined). */
  nice?: number;
}

export interface ProbeLoadFigures {
  runs: number;
  runsPerSec: number;
  cpuMsPerRun: number;
  targetCpuMsPerRun: number;
  /** |latency − delay the target applied|, ms, successful runs in the window. */
  errorP50: number;
  errorP99: number;
  /** |latency − nominal delay|, ms. */
  nominalErrorP50: number;
  nominalErrorP99: number;
  /** Runs matched to the target's record of them. */
  matched: number;
  /** Event-loop delay of this process during the window, p99, ms. */
  loopDelayP99: number;
  /** The probe thread's nice value (undefined in-process). */
  threadNice: number | undefined;
  stats: SchedulerStats;
  failures: Map<string, number>;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runProbeLoad(opts: ProbeLoadOptions): Promise<ProbeLoadFigures> {
  const http = { keepAlive: opts.keepAlive ?? true };
  const kinds =
    opts.thread === false
      ? inProcessKinds(http)
      : createThreadKinds({ http, ...(opts.nice === undefined ? {} : { nice: opts.nice }) });
  const nominal = new Float64Array(opts.probes);
  const configs: HttpProbeConfig[] = [];
  for (let i = 0; i < opts.probes; i++) {
    nominal[i] = opts.delayOf(i);
    configs.push({
      type: "http",
      name: `bench-${i}`,
      target: `http://127.0.0.1:${opts.target.port}/delay/${nominal[i]}?p=${i}`,
      method: "GET",
      labels: { agency: "BENCH", service: `svc-${i % 50}` },
      interval: opts.intervalMs,
      timeout: 2_000,
      follow_redirects: true,
      max_redirects: 5,
    });
  }
  const indexOf = new Map(configs.map((c, i) => [c.name, i]));

  // Every run's latency, per probe in completion order (= request order: a probe's runs never
  // overlap), preallocated so the recording itself does not add GC work. NaN marks a failure.
  const perProbe = Math.ceil((opts.warmupMs + opts.measureMs) / opts.intervalMs) + 4;
  const latency = new Float64Array(opts.probes * perProbe);
  const inWindow = new Uint8Array(opts.probes * perProbe);
  const count = new Uint16Array(opts.probes);

  let measuring = false;
  let runs = 0;
  let samples = 0;
  const failures = new Map<string, number>();
  const scheduler = new ProbeScheduler({
    clock: systemClock,
    kinds,
    onResult(result, probe) {
      const i = indexOf.get(result.probe) ?? -1;
      const n = count[i] ?? perProbe;
      if (n < perProbe) {
        latency[i * perProbe + n] = result.ok ? result.latencyMs : Number.NaN;
        inWindow[i * perProbe + n] = measuring ? 1 : 0;
        count[i] = n + 1;
      }
      const made = opts.pipeline
        ? opts.pipeline.onResult(result, probe)
        : toSamples(result, probe.labels).length;
      if (!measuring) return;
      runs++;
      samples += made;
      if (!result.ok) {
        const why = result.error ?? "?";
        failures.set(why, (failures.get(why) ?? 0) + 1);
      }
    },
  });

  await opts.target.reset();
  scheduler.setProbes(configs);
  scheduler.start();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  try {
    await sleep(opts.warmupMs);
    // Every probe's first run opens its connection: on a busy machine that burst of connects can
    // outlast the warm-up, and a run's connect time is not the target's delay. Measure after it.
    for (let waited = 0; count.some((n) => n === 0) && waited < 30_000; waited += 100) await sleep(100);
    scheduler.resetStats();
    measuring = true;
    loop.enable();
    const cpu0 = process.cpuUsage();
    const target0 = await opts.target.cpuMs();
    const t0 = performance.now();
    await sleep(opts.measureMs);
    const cpu = process.cpuUsage(cpu0);
    const elapsed = performance.now() - t0;
    measuring = false;
    loop.disable();
    const stats = scheduler.stats();
    scheduler.stop();
    const targetCpu = (await opts.target.cpuMs()) - target0;
    const applied = await opts.target.applied();
    if (samples < runs * 3) throw new Error(`expected ≥ 3 samples per run, got ${samples} for ${runs} runs`);

    const vsApplied: number[] = [];
    const vsNominal: number[] = [];
    for (let i = 0; i < opts.probes; i++) {
      const theirs = applied.counts[i] ?? 0;
      for (let k = 0; k < (count[i] ?? 0); k++) {
        const at = i * perProbe + k;
        const ms = latency[at] ?? Number.NaN;
        if (!inWindow[at] || Number.isNaN(ms)) continue;
        vsNominal.push(Math.abs(ms - (nominal[i] ?? 0)));
        if (k < theirs)
          vsApplied.push(Math.abs(ms - (applied.applied[i * applied.perProbe + k] ?? Number.NaN)));
      }
    }
    const a = Float64Array.from(vsApplied).sort();
    const n = Float64Array.from(vsNominal).sort();
    return {
      runs,
      runsPerSec: runs / (elapsed / 1000),
      cpuMsPerRun: (cpu.user + cpu.system) / 1000 / runs,
      targetCpuMsPerRun: targetCpu / runs,
      errorP50: quantile(a, 0.5),
      errorP99: quantile(a, 0.99),
      nominalErrorP50: quantile(n, 0.5),
      nominalErrorP99: quantile(n, 0.99),
      matched: a.length,
      loopDelayP99: loop.percentile(99) / 1e6,
      threadNice: kinds.thread().nice,
      stats,
      failures,
    };
  } finally {
    scheduler.stop();
    await kinds.close();
  }
}

function inProcessKinds(http: HttpKindOptions): ThreadKinds {
  const kind = createHttpKind(http);
  return {
    http: kind,
    tcp: tcpKind,
    close: async () => kind.close(),
    thread: () => ({ starts: 0, nice: undefined }),
  };
}

export interface Pipeline {
  /** Stores and evaluates one result; returns how many samples it made. */
  onResult(result: ProbeResult, probe: ActiveProbeConfig): number;
  close(): Promise<void>;
}

/**
 * What the app does with each result (src/app/detection.ts): its samples appended to the series
 * store (hot windows, group commits to a SQLite temp file) and evaluated by the rule engine, with
 * one SLO per probe (`latency > 250ms for 2s`) and a tick every second. The main thread's work
 * that competes with the probes' I/O.
 */
export async function startPipeline(probes: number): Promise<Pipeline> {
  const dir = mkdtempSync(join(tmpdir(), "hms-ops-probes-bench-"));
  const store = await openSqliteStore({ file: join(dir, "ops.db") });
  await store.migrate([...seriesMigrations, ...ruleMigrations]);
  const series = createSeriesStore({ store, clock: systemClock, hotWindowMs: 3_600_000 });
  await series.start();
  const rules = new RuleEngine({ store, series, clock: systemClock, sink: { async handle() {} } });
  await rules.setRules(
    Array.from({ length: probes }, (_, i) => ({
      name: `slo-${i}`,
      probe: `bench-${i}`,
      when: "latency > 250ms for 2s",
      no_data: "keep" as const,
      severity: "page",
      labels: {},
    })),
  );
  rules.start(1_000);
  return {
    onResult(result, probe) {
      const samples = toSamples(result, probe.labels);
      const appended = series.append(samples);
      if (appended.touched.length > 0) void rules.evaluate(appended.touched);
      return samples.length;
    },
    async close() {
      await rules.stop();
      await series.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Open-file limit: enough for the load, or a clear error before it starts. */
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

/** The share of CPU time other processes used while we were idle-waiting, from /proc/stat (0-1). */
function cpuBusy(): () => number {
  const read = () => {
    const f = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { idle, total: f.reduce((s, v) => s + v, 0) };
  };
  const before = read();
  return () => {
    const after = read();
    return 1 - (after.idle - before.idle) / Math.max(1, after.total - before.total);
  };
}

export async function run(): Promise<BenchResult[]> {
  const keepAlive = process.env.PROBES_BENCH_CONNECTIONS !== "fresh";
  const thread = process.env.PROBES_BENCH_THREAD !== "off";
  const stored = process.env.PROBES_BENCH_PIPELINE !== "off";
  const phases = process.env.PROBES_BENCH_PHASES ?? "ab";
  const nice = Number(process.env.PROBES_BENCH_NICE ?? -10);
  const mode =
    `${keepAlive ? "keep-alive" : "fresh connections"}, ${thread ? "probe thread" : "in-process"}, ` +
    (stored ? "samples stored + rules evaluated" : "toSamples only");
  const limits = checkLimits(2_000);
  if (!keepAlive) {
    // A fresh connection per check leaves a TIME_WAIT per run (on the target's side: it closes first).
    console.log(
      "note: fresh connections; net.ipv4.tcp_tw_reuse =",
      readFileSync("/proc/sys/net/ipv4/tcp_tw_reuse", "utf8").trim(),
    );
  }
  const target = await startProbeTarget(nice);
  const load = async (opts: Omit<ProbeLoadOptions, "target" | "keepAlive" | "thread" | "pipeline">) => {
    const pipeline = stored ? await startPipeline(opts.probes) : undefined;
    try {
      return await runProbeLoad({
        ...opts,
        target,
        keepAlive,
        thread,
        nice,
        ...(pipeline ? { pipeline } : {}),
      });
    } finally {
      await pipeline?.close();
    }
  };
  const results: BenchResult[] = [];
  try {
    console.log(`mode: ${mode}; nice asked ${nice}, target process got ${target.nice}`);
    if (phases.includes("a")) {
      const busyA = cpuBusy();
      const a = await load({
        probes: 15_000,
        intervalMs: 5_000,
        warmupMs: 6_000,
        measureMs: 30_000,
        delayOf: () => 20,
      });
      console.log(
        `info (a): ${limits}; machine CPU busy ${(busyA() * 100).toFixed(0)}% (2 procs of ours + anything else); ` +
          `${a.runs} runs; lateness p50 ${a.stats.lateness.p50} ms, max ${a.stats.lateness.max} ms; ` +
          `target process ${a.targetCpuMsPerRun.toFixed(3)} ms CPU/request; failures: ${describeFailures(a.failures)}`,
      );
      results.push(
        atLeast("(a) http probe runs completed, 15,000 probes @ 5 s", a.runsPerSec, "/s", 2_940),
        atMost("(a) slots not run (skipped + behind)", a.stats.skipped + a.stats.behind, "slots", 0),
        atMost("(a) failed runs against a healthy target", a.stats.failures, "runs", 0),
        atMost("(a) scheduling lateness p99", a.stats.lateness.p99, "ms", 50),
        atMost(
          `(a) CPU of the prober per probe run (${stored ? "samples stored, rules evaluated" : "toSamples only"})`,
          a.cpuMsPerRun,
          "ms",
          0.3,
        ),
      );
    }
    if (phases.includes("b")) {
      const delays = [10, 20, 50, 100, 200];
      const busyB = cpuBusy();
      const b = await load({
        probes: 10_000,
        intervalMs: 5_000,
        warmupMs: 6_000,
        measureMs: 15_000,
        delayOf: (i) => delays[i % delays.length] ?? 20,
      });
      console.log(
        `info (b): machine CPU busy ${(busyB() * 100).toFixed(0)}%; ${b.runs} runs, ${b.matched} matched to the ` +
          `target's record; |error| vs applied p50 ${b.errorP50.toFixed(2)} ms; vs nominal delay p50 ` +
          `${b.nominalErrorP50.toFixed(2)} ms, p99 ${b.nominalErrorP99.toFixed(2)} ms; main-thread event-loop ` +
          `delay p99 ${b.loopDelayP99.toFixed(1)} ms; lateness p99 ${b.stats.lateness.p99} ms; ` +
          `CPU ${b.cpuMsPerRun.toFixed(3)} ms/run; probe thread nice ${b.threadNice ?? "-"}; ` +
          `failures: ${describeFailures(b.failures)}`,
      );
      results.push(
        atMost("(b) latency error p99, |measured − applied delay|, 2,000 probes/s", b.errorP99, "ms", 5),
      );
    }
    return results;
  } finally {
    await target.stop();
  }
}
