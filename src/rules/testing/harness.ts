/**
 * Test kit for the rule engine: a FakeClock, the fake series store, a real SQLite file store that
 * counts its writes, and a sink that records what it was handed (and can be told to throw).
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { SloConfig } from "../../config/index.js";
import { FakeClock } from "../../core/clock.js";
import type { Logger } from "../../core/log.js";
import type { Labels } from "../../series/index.js";
import type { Store, Tx } from "../../store/index.js";
import { openSqliteStore } from "../../store/sqlite/index.js";
import { RuleEngine, type RuleEngineOptions } from "../engine.js";
import type { AlertEvent, TransitionSink } from "../events.js";
import { ruleMigrations } from "../persistence.js";
import { FakeSeriesStore } from "./fake-series.js";

export const S = 1000;
export const M = 60 * S;
export const T0 = Date.UTC(2026, 0, 1);

export function slo(o: Partial<SloConfig> & { name: string }): SloConfig {
  return { no_data: "keep", severity: "page", labels: {}, ...o };
}

export class RecordingSink implements TransitionSink {
  /** Every batch handed over, committed or not. */
  readonly handled: AlertEvent[][] = [];
  /** Throw on the next `n` calls. */
  failNext = 0;

  async handle(tx: Tx, events: readonly AlertEvent[]): Promise<void> {
    this.handled.push([...events]);
    // Like the dispatch stage, write in the engine's transaction, so a rollback is observable.
    for (const e of events) {
      await tx.run("INSERT INTO sink_log (alert_id, kind, at) VALUES (?, ?, ?)", [e.alertId, e.kind, e.at]);
    }
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("dispatch unavailable");
    }
  }
}

export type CountingStore = Store & { txs: number; rowWrites: number };

/** Counts transactions, and rows of `alert_states` written or deleted. */
export function countingStore(inner: Store): CountingStore {
  const counted: CountingStore = {
    txs: 0,
    rowWrites: 0,
    dialect: inner.dialect,
    all: (sql, params) => inner.all(sql, params),
    get: (sql, params) => inner.get(sql, params),
    run: (sql, params) => inner.run(sql, params),
    migrate: (list) => inner.migrate(list),
    close: () => inner.close(),
    tx: (fn) => {
      counted.txs++;
      return inner.tx((tx) =>
        fn({
          dialect: tx.dialect,
          lock: tx.lock,
          all: (sql, params) => tx.all(sql, params),
          get: (sql, params) => tx.get(sql, params),
          run: (sql, params) => {
            if (sql.includes("INTO alert_states")) counted.rowWrites += (params?.length ?? 0) / 7;
            if (sql.includes("FROM alert_states")) counted.rowWrites += params?.length ?? 0;
            return tx.run(sql, params);
          },
        }),
      );
    },
  };
  return counted;
}

const tempDirs: string[] = [];

export async function tempStoreFile(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-rules-"));
  tempDirs.push(dir);
  return path.join(dir, "ops.db");
}

/** Removes the temp dirs of every store file made so far (call in afterAll, stores closed). */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
}

export async function openStore(file: string): Promise<Store> {
  const store = await openSqliteStore({ file });
  await store.migrate([
    ...ruleMigrations,
    {
      module: "rules-test",
      version: 1,
      name: "sink log",
      sql: "CREATE TABLE sink_log (alert_id TEXT, kind TEXT, at BIGINT)",
    },
  ]);
  return store;
}

export interface HarnessOptions {
  file?: string;
  clock?: FakeClock;
  series?: FakeSeriesStore;
  sink?: RecordingSink;
  logger?: Logger;
  engine?: Partial<RuleEngineOptions>;
}

export class Harness {
  private constructor(
    /** Events passed to onCommitted, in order. */
    readonly committed: AlertEvent[],
    readonly file: string,
    readonly store: CountingStore,
    readonly clock: FakeClock,
    readonly series: FakeSeriesStore,
    readonly sink: RecordingSink,
    readonly engine: RuleEngine,
  ) {}

  static async open(opts: HarnessOptions = {}): Promise<Harness> {
    const file = opts.file ?? (await tempStoreFile());
    const store = countingStore(await openStore(file));
    const clock = opts.clock ?? new FakeClock(T0);
    const series = opts.series ?? new FakeSeriesStore();
    const sink = opts.sink ?? new RecordingSink();
    const committed: AlertEvent[] = [];
    const engine = new RuleEngine({
      store,
      series,
      clock,
      sink,
      onCommitted: (events) => committed.push(...events),
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...opts.engine,
    });
    return new Harness(committed, file, store, clock, series, sink, engine);
  }

  /** Appends one sample now and evaluates on arrival, as the append path does. */
  async push(metric: string, labels: Labels, value: number): Promise<number> {
    const id = this.series.add(metric, labels, this.clock.now(), value);
    await this.engine.evaluate([id]);
    return id;
  }

  /** Moves time in steps of `stepMs`, letting every batch the timers started finish in between. */
  async advance(ms: number, stepMs = S): Promise<void> {
    const end = this.clock.now() + ms;
    while (this.clock.now() < end) {
      this.clock.advance(Math.min(stepMs, end - this.clock.now()));
      await this.engine.idle();
    }
  }

  /** Advances to the absolute time `at`. */
  async advanceTo(at: number, stepMs = S): Promise<void> {
    await this.advance(at - this.clock.now(), stepMs);
  }

  kinds(): string[] {
    return this.committed.map((e) => `${e.kind}@${e.at - T0}`);
  }

  async rows(): Promise<{ alert_id: string; slo: string; condition: string; status: string }[]> {
    return this.store.all("SELECT alert_id, slo, condition, status FROM alert_states ORDER BY alert_id");
  }

  async close(): Promise<void> {
    await this.engine.stop();
    await this.store.close();
  }
}
