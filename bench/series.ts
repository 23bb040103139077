/**
 * The series store: in-process append throughput, durable bytes per http probe result, and the
 * memory of hot windows for 10,000 probes. Real SQLite temp files (WAL, synchronous=NORMAL), a
 * simulated clock so hours of probe results take seconds.
 */
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { FakeClock } from "../src/core/clock.js";
import {
  createSeriesStore,
  type SampleInput,
  type SeriesStore,
  seriesMigrations,
} from "../src/series/index.js";
import type { Store } from "../src/store/index.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { atLeast, atMost, type BenchResult } from "./lib.js";

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NEVER = 1e12; // the benches drive flushes themselves, at the production cadence
/** What src/probes/samples.ts emits for an http probe result (a fresh connection, https, with a certificate). */
const HTTP_METRICS = [
  "latency",
  "ok",
  "status",
  "dns_ms",
  "connect_ms",
  "tls_ms",
  "first_byte_ms",
  "cert_days",
] as const;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Opened {
  dir: string;
  file: string;
  store: Store;
}

async function openTemp(): Promise<Opened> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-bench-series-"));
  const file = path.join(dir, "ops.db");
  const store = await openSqliteStore({ file });
  await store.migrate(seriesMigrations);
  return { dir, file, store };
}

async function dispose(o: Opened, series?: SeriesStore): Promise<void> {
  await series?.close();
  await o.store.close();
  await fs.rm(o.dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Append throughput

/**
 * Samples/s through `append` in batches of 1,000 over 1,000 series (125 probes × 8 metrics, three
 * of them demanded for 1 h, as rules would), each batch one 5 s tick. `fresh`: every sample has its
 * own label object, as a parsed JSON body does; otherwise probes' reused ones. Building the batches
 * and the flushes between rounds are not timed.
 */
async function appendThroughput(fresh: boolean): Promise<number> {
  const o = await openTemp();
  const clock = new FakeClock(T0);
  const series = createSeriesStore({ store: o.store, clock, hotWindowMs: HOUR, flushIntervalMs: NEVER });
  try {
    await series.start();
    for (const m of ["latency", "ok", "ttfb"]) series.demand(m, HOUR);
    const probes = Array.from({ length: 125 }, (_, p) => ({ probe: `probe-${p}` }));
    const rand = rng(1);
    let tick = 0;
    const build = (): SampleInput[] => {
      tick++;
      const ts = T0 + tick * 5000;
      const batch: SampleInput[] = [];
      for (const labels of probes) {
        for (const metric of HTTP_METRICS) {
          batch.push({ metric, labels: fresh ? { probe: labels.probe } : labels, value: rand() * 100, ts });
        }
      }
      return batch;
    };
    let samples = 0;
    let ms = 0;
    for (let round = 0; ms < 3000 || round < 4; round++) {
      const batches = Array.from({ length: 100 }, build);
      const t0 = performance.now();
      for (const b of batches) {
        clock.advance(5000);
        series.append(b);
      }
      const elapsed = performance.now() - t0;
      if (round > 0) {
        // Round 0 is warm-up (series creation, JIT).
        ms += elapsed;
        samples += batches.length * 1000;
      }
      await series.flush();
    }
    return Math.round(samples / (ms / 1000));
  } finally {
    await dispose(o, series);
  }
}

// ---------------------------------------------------------------------------------------------
// Bytes on disk

interface BytesFigures {
  filePerResult: number;
  chunksPerResult: number;
  rollupsPerResult: number;
}

/** Bytes of the pages holding `tables` (and their indexes), from SQLite's dbstat. */
async function tableBytes(store: Store, like: string): Promise<number> {
  const row = await store.get<{ bytes: number | null }>(
    "SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name LIKE ?",
    [like],
  );
  return row?.bytes ?? 0;
}

async function fileBytes(store: Store, file: string): Promise<number> {
  await store.run("PRAGMA wal_checkpoint(TRUNCATE)");
  const sizes = await Promise.all(
    [file, `${file}-wal`].map((f) =>
      fs.stat(f).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  );
  return sizes[0]! + sizes[1]!;
}

/**
 * `probes` http probes on a 30 s interval (scheduling jitter up to 15 ms), each result the 8 samples
 * of HTTP_METRICS sharing its ts: ok = 1 (0.2 % failures, status 503), status 200, four phase
 * timings with a per-probe base and ±20 % noise, latency = their sum plus a little, days left on the
 * certificate. `rounded`: timings rounded to the µs as the http probe does (roundMs); otherwise raw
 * doubles, as a push client might send. Flush and maintenance every simulated minute, as the timer
 * does; the store has its default precision (latency and *_ms to 0.001).
 */
async function bytesPerResult(
  probes: number,
  results: number,
  rounded: boolean,
  measureFrom = 0,
): Promise<BytesFigures> {
  const o = await openTemp();
  const clock = new FakeClock(T0);
  const series = createSeriesStore({ store: o.store, clock, hotWindowMs: HOUR, flushIntervalMs: NEVER });
  try {
    await series.start();
    const rand = rng(7);
    const ms = (x: number) => (rounded ? Math.round(x * 1000) / 1000 : x);
    const labels = Array.from({ length: probes }, (_, p) => ({ probe: `probe-${p}` }));
    const base = labels.map(() => [0.2 + rand() * 2, 0.5 + rand() * 5, 3 + rand() * 20, 10 + rand() * 150]);
    const certDays = labels.map(() => 30 + Math.floor(rand() * 60));
    let before = await fileBytes(o.store, o.file);
    let chunksBefore = await tableBytes(o.store, "series_chunks%");
    for (let i = 0; i < results; i++) {
      if (i === measureFrom && i > 0) {
        await series.flush();
        await series.maintain();
        before = await fileBytes(o.store, o.file);
        chunksBefore = await tableBytes(o.store, "series_chunks%");
      }
      const slot = T0 + i * 30_000;
      clock.advance(30_000);
      const batch: SampleInput[] = [];
      for (let p = 0; p < probes; p++) {
        const ts = slot + Math.floor(rand() * 15);
        const phases = (base[p] as number[]).map((b) => b * (0.8 + rand() * 0.4));
        const fail = rand() < 0.002;
        const l = labels[p] as { probe: string };
        const values = [
          ms(phases.reduce((a, b) => a + b, 0) + rand() * 3),
          fail ? 0 : 1,
          fail ? 503 : 200,
          ...phases.map(ms),
          certDays[p] as number,
        ];
        HTTP_METRICS.forEach((metric, k) => {
          batch.push({ metric, labels: l, value: values[k] as number, ts });
        });
      }
      series.append(batch);
      if (i % 2 === 1) {
        await series.flush();
        await series.maintain();
      }
    }
    await series.flush();
    await series.maintain();
    const measured = probes * (results - measureFrom);
    const filePerResult = ((await fileBytes(o.store, o.file)) - before) / measured;
    const chunksPerResult = ((await tableBytes(o.store, "series_chunks%")) - chunksBefore) / measured;
    // Rollups are written a day before raw retention would drop an hour (6 days on): go there.
    for (let d = 0; d < 6; d++) {
      clock.advance(DAY + HOUR);
      await series.maintain();
    }
    const rollupsPerResult = (await tableBytes(o.store, "series_rollups%")) / (probes * results);
    return { filePerResult, chunksPerResult, rollupsPerResult };
  } finally {
    await dispose(o, series);
  }
}

// ---------------------------------------------------------------------------------------------
// Hot-window memory (in a child process, so nothing else is in its heap)

const MEMORY_CHILD = "--series-memory-child";

interface MemoryFigures {
  rssMb: number;
  rssDeltaMb: number;
  heapDeltaMb: number;
  bytesHotMb: number;
  /** V8's committed heap and memory outside it (typed arrays, Buffers), for the breakdown. */
  heapTotalMb: number;
  externalMb: number;
  /** Linux only: anonymous memory of the process and the malloc heap within it. */
  anonMb?: number;
  fileMb?: number;
  mallocHeapMb?: number;
  /** Linux only: the highest RSS while filling (garbage between collections included). */
  peakMb?: number;
  series: number;
  hotSamples: number;
  seconds: number;
}

/** From /proc/self: anonymous RSS, and the RSS of the malloc heap ([heap] mapping); {} elsewhere. */
function linuxMemory(): { anonMb?: number; fileMb?: number; mallocHeapMb?: number; peakMb?: number } {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const peak = /VmHWM:\s+(\d+)/.exec(status)?.[1];
    const anon = /RssAnon:\s+(\d+)/.exec(status)?.[1];
    const file = /RssFile:\s+(\d+)/.exec(status)?.[1];
    const smaps = readFileSync("/proc/self/smaps", "utf8");
    const heap = /\[heap\]\n(?:.*\n)*?Rss:\s+(\d+)/.exec(smaps)?.[1];
    return {
      ...(anon ? { anonMb: Number(anon) / 1024 } : {}),
      ...(file ? { fileMb: Number(file) / 1024 } : {}),
      ...(peak ? { peakMb: Number(peak) / 1024 } : {}),
      ...(heap ? { mallocHeapMb: Number(heap) / 1024 } : {}),
    };
  } catch {
    return {};
  }
}

function gcNow(): void {
  v8.setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

/**
 * A full GC, twice, with pauses: V8 frees ArrayBuffer memory and unmaps heap pages on background
 * threads after a GC, so RSS read at once still counts garbage (up to 200 MB here).
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    gcNow();
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * 10,000 probes × 8 metrics every 5 s for 1 h 5 min, with rules demanding 1 h of latency, ok and
 * value; flush and maintenance every simulated minute. RSS after a full GC, against the process
 * before the store existed.
 */
async function memoryChild(): Promise<MemoryFigures> {
  const metrics = ["latency", "ok", "value", "status", "dns", "connect", "tls", "ttfb"];
  const o = await openTemp();
  const clock = new FakeClock(T0);
  await settle();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  const series = createSeriesStore({ store: o.store, clock, hotWindowMs: HOUR, flushIntervalMs: NEVER });
  const started = performance.now();
  try {
    await series.start();
    for (const m of ["latency", "ok", "value"]) series.demand(m, HOUR);
    const probes = Array.from({ length: 10_000 }, (_, p) => ({ probe: `probe-${p}` }));
    const rand = rng(3);
    const ticks = (65 * 60) / 5;
    for (let i = 0; i < ticks; i++) {
      clock.advance(5000);
      const ts = clock.now();
      for (let start = 0; start < probes.length; start += 125) {
        const batch: SampleInput[] = [];
        for (let p = start; p < start + 125; p++) {
          const labels = probes[p] as { probe: string };
          for (const metric of metrics)
            batch.push({ metric, labels, value: Math.round(rand() * 1e6) / 1000, ts });
        }
        series.append(batch);
      }
      // Results arrive as separate events in production: let a flush started early run.
      await new Promise((r) => setImmediate(r));
      if (i % 12 === 11) {
        await series.flush();
        await series.maintain();
      }
    }
    await settle();
    const mem = process.memoryUsage();
    const stats = series.stats();
    return {
      rssMb: mem.rss / 2 ** 20,
      rssDeltaMb: (mem.rss - rss0) / 2 ** 20,
      heapDeltaMb: (mem.heapUsed - heap0) / 2 ** 20,
      bytesHotMb: stats.bytesHot / 2 ** 20,
      heapTotalMb: mem.heapTotal / 2 ** 20,
      externalMb: mem.external / 2 ** 20,
      ...linuxMemory(),
      series: stats.series,
      hotSamples: stats.hotSamples,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await dispose(o, series);
  }
}

function hotWindowMemory(): Promise<MemoryFigures> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [MEMORY_CHILD], { stdio: "inherit" });
    child.once("message", (m) => resolve(m as MemoryFigures));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`memory bench child exited with ${code}`));
    });
  });
}

if (process.argv.includes(MEMORY_CHILD)) {
  memoryChild().then(
    (figures) => {
      // Run by hand (no IPC channel), it just prints its figures.
      if (process.send) process.send(figures, () => process.exit(0));
      else console.log(JSON.stringify(figures));
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------------------------------------

export async function run(): Promise<BenchResult[]> {
  const reused = await appendThroughput(false);
  const fresh = await appendThroughput(true);
  const probed = await bytesPerResult(1000, 720, true);
  const unrounded = await bytesPerResult(200, 720, false);
  const steady = await bytesPerResult(50, 6144, true, 2048);
  const mem = await hotWindowMemory();
  console.log(
    `  (memory: ${mem.series.toLocaleString("en-US")} series, ${mem.hotSamples.toLocaleString("en-US")} hot samples, ` +
      `typed arrays ${mem.bytesHotMb.toFixed(0)} MB, RSS +${mem.rssDeltaMb.toFixed(0)} MB after GC ` +
      `(V8 heap ${mem.heapTotalMb.toFixed(0)} MB, external ${mem.externalMb.toFixed(0)} MB` +
      `${mem.peakMb === undefined ? "" : `; peak RSS while filling ${mem.peakMb.toFixed(0)} MB`}), ` +
      `${mem.seconds.toFixed(0)} s to fill)`,
  );
  return [
    atLeast(
      "series append, batches of 1,000 over 1,000 series (probe label objects)",
      reused,
      "samples/s",
      2e6,
    ),
    atLeast("series append, same, fresh label objects (as parsed JSON)", fresh, "samples/s", 1e6),
    atMost(
      "durable bytes per http probe result (1,000 probes × 720), file growth",
      probed.filePerResult,
      "B",
      20,
    ),
    atMost("  same, raw chunk pages only (dbstat)", probed.chunksPerResult, "B", 20),
    atMost("  same (200 probes), timings as unrounded doubles", unrounded.filePerResult, "B", 20),
    atMost("  steady state (results 2,048-6,144 of 50 probes), file growth", steady.filePerResult, "B", 20),
    atMost("  per-minute rollups, once written (a day before raw expires)", probed.rollupsPerResult, "B", 20),
    atMost(
      "hot windows, 10,000 probes × 8 metrics at 5 s, 1 h demand on 3: process RSS",
      mem.rssMb,
      "MB",
      600,
    ),
  ];
}
