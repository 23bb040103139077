/** Shared by the series tests: a series store over a real SQLite temp file and a fake clock. */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach } from "vitest";
import { FakeClock } from "../core/clock.js";
import type { Store } from "../store/index.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { seriesMigrations } from "./migrations.js";
import { createSeriesStore, type SeriesStore, type SeriesStoreOptions } from "./series-store.js";
import type { SampleInput } from "./types.js";

export const T0 = Date.UTC(2026, 0, 1);
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

const dirs: string[] = [];
const open: { series: SeriesStore; store: Store }[] = [];

afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.series.close().catch(() => undefined);
    await o.store.close();
  }
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

export interface Harness {
  series: SeriesStore;
  store: Store;
  clock: FakeClock;
  file: string;
  /** Closes the series store and the SQLite file, then opens both again on the same file. */
  reopen(more?: Partial<SeriesStoreOptions>): Promise<Harness>;
}

type Extra = Partial<Omit<SeriesStoreOptions, "store" | "clock">>;

export async function openSeries(
  extra: Extra = {},
  at?: { file: string; clock: FakeClock },
): Promise<Harness> {
  let file = at?.file;
  if (!file) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-series-"));
    dirs.push(dir);
    file = path.join(dir, "ops.db");
  }
  const clock = at?.clock ?? new FakeClock(T0);
  const store = await openSqliteStore({ file, clock });
  await store.migrate(seriesMigrations);
  const series = createSeriesStore({ store, clock, hotWindowMs: HOUR, ...extra });
  const entry = { series, store };
  open.push(entry);
  await series.start();
  const f = file;
  return {
    series,
    store,
    clock,
    file: f,
    async reopen(more = {}) {
      await series.close();
      await store.close();
      open.splice(open.indexOf(entry), 1);
      return openSeries({ ...extra, ...more }, { file: f, clock });
    },
  };
}

/** The samples of an http probe result: one per metric, one ts. */
export function probeResult(probe: string, ts: number, latency: number, ok = 1): SampleInput[] {
  const labels = { probe };
  return [
    { metric: "latency", labels, value: latency, ts },
    { metric: "ok", labels, value: ok, ts },
    { metric: "status", labels, value: ok ? 200 : 503, ts },
  ];
}

/** A deterministic pseudo-random source (LCG), so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
