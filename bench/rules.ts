/**
 * The rule engine at 10,000 alerts: 10,000 threshold SLOs (mixed aggregations, `over 1m for 2m`),
 * each on its own probe's series with ~12 samples in the hot window, a real SQLite temp file
 * store. Figures: a full tick with no transition (the ≤ 50 ms target); ticks where 10% go pending
 * and resolve, and the deadline batch that fires them; evaluation on arrival of one series;
 * setRules; and the engine's single timer on a min-heap against one clock timer per alert.
 *
 * Series: the real series store (src/series `createSeriesStore`, flushing kept out of the timed
 * parts); the quiet tick is also timed over the in-memory fake of src/rules/testing, which shows
 * the engine's own share.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { SloConfig } from "../src/config/index.js";
import { FakeClock, systemClock, type TimerHandle } from "../src/core/clock.js";
import { DeadlineQueue } from "../src/rules/deadlines.js";
import { type AlertEvent, RuleEngine, ruleMigrations } from "../src/rules/index.js";
import { FakeSeriesStore } from "../src/rules/testing/fake-series.js";
import {
  createSeriesStore,
  type HotDemand,
  type SeriesQuerier,
  type SeriesStore,
  seriesMigrations,
} from "../src/series/index.js";
import type { Store } from "../src/store/index.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { atMost, type BenchResult, median } from "./lib.js";
import { run as objectiveSlos } from "./objective-slos.js";

const ALERTS = 10_000;
const STEP = 5_000; // one sample per series every 5 s: 12 in a 1 m window
const TICKS = 9;
const ROUNDS = 3;
const TENTH = ALERTS / 10;
const WARMUP = 3;
const AGGS = ["avg", "min", "max", "sum", "count", "last", "rate", "increase", "p50", "p95", "p99"];
const QUIET_MAX = 100;
const THRESHOLD = 500_000;
/** One sample this high breaches these aggregations over a window of ~12 quiet ones. */
const BREACH = 100_000_000;
const ONE_SAMPLE_BREACHES = new Set(["avg", "max", "sum", "last", "rate", "increase", "p95", "p99"]);

function slos(): SloConfig[] {
  return Array.from({ length: ALERTS }, (_, i) => ({
    name: `slo-${i}`,
    probe: `p-${i}`,
    when: `${aggOf(i)}(value) > ${THRESHOLD} over 1m for 2m`,
    no_data: "keep",
    severity: "page",
    labels: {},
  }));
}

function aggOf(i: number): string {
  return AGGS[i % AGGS.length] as string;
}

/** 10% of the alerts: the first 1,000 whose aggregation one high sample breaches. */
const BREACHERS = new Set(
  Array.from({ length: ALERTS }, (_, i) => i)
    .filter((i) => ONE_SAMPLE_BREACHES.has(aggOf(i)))
    .slice(0, ALERTS / 10),
);

/** Where the samples go: the real series store or the fake, behind the engine's interface. */
interface Bed {
  series: SeriesQuerier & HotDemand;
  /** One sample for every series at `ts`, quiet ones below 100; with `breach`, BREACHERS far above. */
  feed(ts: number, breach?: boolean): void;
  /** One sample into series `i`; returns the touched series ids, as the append path gets them. */
  one(i: number, ts: number, value: number): number[];
  close(): Promise<void>;
}

const valueAt = (i: number, ts: number, breach: boolean) =>
  breach && BREACHERS.has(i) ? BREACH : (i * 7 + ts / STEP) % QUIET_MAX;

function fakeBed(): Bed {
  const series = new FakeSeriesStore();
  const ids = Array.from({ length: ALERTS }, (_, i) => series.add("value", { probe: `p-${i}` }, 0, 0));
  return {
    series,
    feed(ts, breach = false) {
      for (let i = 0; i < ALERTS; i++) series.addById(ids[i] as number, ts, valueAt(i, ts, breach));
    },
    one: (i, ts, value) => [series.add("value", { probe: `p-${i}` }, ts, value)],
    close: async () => {},
  };
}

async function realBed(store: Store, clock: FakeClock): Promise<Bed> {
  await store.migrate(seriesMigrations);
  // Flushing to SQLite runs on its own timer in production; here it is kept out of the figures.
  const series: SeriesStore = createSeriesStore({
    store,
    clock,
    hotWindowMs: 3_600_000,
    flushIntervalMs: 86_400_000,
  });
  await series.start();
  const labels = Array.from({ length: ALERTS }, (_, i) => ({ probe: `p-${i}` }));
  return {
    series,
    feed(ts, breach = false) {
      series.append(
        labels.map((l, i) => ({ metric: "value", labels: l, value: valueAt(i, ts, breach), ts })),
      );
    },
    one: (i, ts, value) =>
      series.append([{ metric: "value", labels: labels[i] as { probe: string }, value, ts }]).touched,
    close: () => series.close(),
  };
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Scheduling then moving 10,000 deadlines: one clock timer each vs the heap behind one timer. */
function timerCost(): { perAlert: number; heap: number } {
  const now = Date.now();
  let t0 = performance.now();
  const handles: TimerHandle[] = [];
  for (let i = 0; i < ALERTS; i++) handles.push(systemClock.setTimer(120_000 + i, () => {}));
  for (let i = 0; i < ALERTS; i++) {
    handles[i]?.cancel();
    handles[i] = systemClock.setTimer(60_000 + i, () => {});
  }
  for (const h of handles) h.cancel();
  const perAlert = performance.now() - t0;

  t0 = performance.now();
  const q = new DeadlineQueue<number>(systemClock, () => {});
  for (let i = 0; i < ALERTS; i++) q.set(i, now + 120_000 + i);
  for (let i = 0; i < ALERTS; i++) q.set(i, now + 60_000 + i);
  q.stop();
  return { perAlert, heap: performance.now() - t0 };
}

interface Figures {
  quiet: number;
  find: number;
  pending: number;
  firing: number;
  resolved: number;
  arrival: number;
  setRules: number;
  reload: number;
}

/** The whole scenario on one bed; `quietOnly` stops after the quiet ticks. */
async function scenario(store: Store, clock: FakeClock, bed: Bed, quietOnly: boolean): Promise<Figures> {
  let handed = 0;
  const expectHanded = (n: number, what: string) => {
    if (handed !== n) throw new Error(`expected ${n} events after ${what}, got ${handed}`);
  };
  const sink = {
    async handle(_tx: unknown, events: readonly AlertEvent[]) {
      handed += events.length;
    },
  };
  const { series } = bed;
  const engine = new RuleEngine({ store, series, clock, sink });
  series.demand("value", 4 * 60_000); // as the rules will, so the windows fill from the start
  for (let k = 0; k < 12; k++) {
    bed.feed(clock.now());
    clock.advance(STEP);
  }
  const f: Figures = {
    quiet: 0,
    find: 0,
    pending: 0,
    firing: 0,
    resolved: 0,
    arrival: 0,
    setRules: 0,
    reload: 0,
  };
  f.setRules = await timed(() => engine.setRules(slos()));
  const reloads: number[] = [];
  for (let k = 0; k < 3; k++) reloads.push(await timed(() => engine.setRules(slos())));
  f.reload = median(reloads);

  const quiet: number[] = [];
  for (let k = -WARMUP; k < TICKS; k++) {
    bed.feed(clock.now());
    clock.advance(STEP);
    const ms = await timed(() => engine.evaluate());
    if (k >= 0) quiet.push(ms);
  }
  f.quiet = median(quiet);
  expectHanded(0, "quiet ticks");
  if (quietOnly) {
    await engine.stop();
    return f;
  }

  f.find = median(
    Array.from({ length: TICKS }, () => {
      const t0 = performance.now();
      let n = 0;
      for (const info of series.find("value")) if (info.id >= 0) n++;
      if (n !== ALERTS) throw new Error(`find: ${n} series`);
      return performance.now() - t0;
    }),
  );

  const arrival: number[] = [];
  for (let k = 0; k < 200; k++) {
    const touched = bed.one(ALERTS - 1 - k, clock.now(), 1);
    arrival.push(await timed(() => engine.evaluate(touched)));
  }
  f.arrival = median(arrival);

  // Rounds where 10% go pending, hold until their `for` completes (the deadline batch fires
  // them), then recover (a tick resolves them). The first round pays for JIT and statement
  // preparation; the figures are medians.
  const pending: number[] = [];
  const firing: number[] = [];
  const resolved: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    bed.feed(clock.now(), true);
    clock.advance(STEP);
    pending.push(await timed(() => engine.evaluate()));
    expectHanded((3 * round - 2) * TENTH, "pending");
    for (let k = 0; k < 23; k++) {
      bed.feed(clock.now(), true);
      clock.advance(STEP - 1);
      await engine.idle();
      clock.advance(1);
    }
    firing.push(
      await timed(async () => {
        clock.advance(STEP);
        await engine.idle();
      }),
    );
    expectHanded((3 * round - 1) * TENTH, "firing");
    // Two quiet samples in the window (rate and increase need two), the breach out of it.
    clock.advance(55_000);
    bed.feed(clock.now());
    clock.advance(STEP);
    bed.feed(clock.now());
    clock.advance(STEP);
    resolved.push(await timed(() => engine.evaluate()));
    expectHanded(3 * round * TENTH, "resolved");
  }
  f.pending = median(pending);
  f.firing = median(firing);
  f.resolved = median(resolved);
  await engine.stop();
  return f;
}

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-bench-rules-"));
  const store = await openSqliteStore({ file: path.join(dir, "ops.db") });
  try {
    await store.migrate(ruleMigrations);
    return await fn(store);
  } finally {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const real = await withStore(async (store) => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const bed = await realBed(store, clock);
    try {
      return await scenario(store, clock, bed, false);
    } finally {
      await bed.close();
    }
  });
  const fake = await withStore((store) =>
    scenario(store, new FakeClock(Date.UTC(2026, 0, 1)), fakeBed(), true),
  );
  const costs = Array.from({ length: 5 }, timerCost);
  const n = ALERTS.toLocaleString("en-US");
  const objective = await objectiveSlos();
  return [
    atMost(`full tick, ${n} alerts, no transition (median of ${TICKS})`, real.quiet, "ms", 50),
    atMost("  the same over the in-memory fake series (the engine's own share)", fake.quiet, "ms", 50),
    atMost("  re-finding the selectors' series each tick (find + seen check)", real.find, "ms", 5),
    atMost(
      `full tick, 10% go pending: 1,000 rows + sink in one tx (median of ${ROUNDS})`,
      real.pending,
      "ms",
      250,
    ),
    atMost(`deadline batch, 10% fire at their \`for\` (median of ${ROUNDS})`, real.firing, "ms", 250),
    atMost(`full tick, 10% resolve (median of ${ROUNDS})`, real.resolved, "ms", 250),
    atMost("evaluation on arrival, one series (median of 200)", real.arrival, "ms", 1),
    atMost(`setRules, ${n} new SLOs (parse + resolve + index)`, real.setRules, "ms", 2000),
    atMost("setRules again, nothing changed (config reload; median of 3)", real.reload, "ms", 500),
    atMost(
      `${n} deadlines set + moved: min-heap behind one timer, the engine's (median of 5)`,
      median(costs.map((c) => c.heap)),
      "ms",
      50,
    ),
    atMost(
      `${n} deadlines set + moved: one clock timer each, for comparison (median of 5)`,
      median(costs.map((c) => c.perAlert)),
      "ms",
      1000,
    ),
    ...objective,
  ];
}
