import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { systemClock } from "../src/core/clock.js";
import { createDispatcher, type DispatchConfig, dispatchMigrations } from "../src/dispatch/index.js";
import { createIncidentStore, incidentMigrations } from "../src/incidents/index.js";
import type { AlertEvent } from "../src/rules/events.js";
import { OutboxWorker, receiversFrom, sirenMigrations } from "../src/sirens/index.js";
import type { Store } from "../src/store/index.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { atLeast, atMost, type BenchResult } from "./lib.js";

/** Firings timed one by one for the latency figure. */
const LATENCY_SAMPLES = 200;
/** Firings handed over together (an outage that trips many SLOs at once). */
const BURST = 2000;
/** Engine transactions in flight at once during the burst. */
const CONCURRENT_TX = 16;
const DELIVERY_CONCURRENCY = 32;

const event = (i: number, now: number): AlertEvent => ({
  alertId: `bench-slo/latency{probe="svc-${i}"}`,
  slo: "bench-slo",
  probe: `svc-${i}`,
  seriesKey: `latency{probe="svc-${i}"}`,
  labels: { probe: `svc-${i}`, agency: "IRS" },
  kind: "firing",
  at: now,
  value: 412,
  unit: "ms",
  condition: "latency > 250ms for 2s",
  severity: "page",
  episode: 1,
  activeAt: now - 2000,
  firedAt: now,
});

/** A webhook receiver on loopback that counts arrivals. */
async function startReceiver() {
  const arrivals: number[] = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      arrivals.push(performance.now());
      res.end("ok");
      if (waiter && arrivals.length >= waiter.n) waiter.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    until: (n: number) =>
      arrivals.length >= n ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { n, resolve })),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The response path on a real temp SQLite file and a real loopback webhook (in this process, so
 * it shares the CPU). Latency: from the commit of the engine transaction that hands one firing to
 * dispatch to the signed POST arriving (DESIGN: the page leaves at once). Burst: many firings
 * handed over by concurrent engine transactions (incident, log, outbox row each), then the queued
 * notifications drained by the worker.
 */
export async function run(): Promise<BenchResult[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-bench-dispatch-"));
  const rx = await startReceiver();
  let store: Store | undefined;
  let worker: OutboxWorker | undefined;
  try {
    store = await openSqliteStore({ file: path.join(dir, "ops.db") });
    await store.migrate([...incidentMigrations, ...sirenMigrations, ...dispatchMigrations]);
    const s = store;
    const config: DispatchConfig = {
      slos: new Map([
        [
          "bench-slo",
          {
            name: "bench-slo",
            when: "latency > 250ms for 2s",
            no_data: "keep",
            severity: "page",
            siren: "oncall",
            labels: {},
          },
        ],
      ]),
      sirens: { oncall: { notify: ["hook"], escalate: [] } },
      receivers: { hook: { type: "webhook", url: rx.url, secret: "bench-secret-0123456789", timeout: 5000 } },
      baseUrl: "http://ops.example",
      reopenWithinMs: 0,
    };
    worker = new OutboxWorker({
      store: s,
      clock: systemClock,
      receivers: receiversFrom(() => config),
      concurrency: DELIVERY_CONCURRENCY,
    });
    const w = worker;
    const dispatcher = createDispatcher({
      store: s,
      clock: systemClock,
      config: () => config,
      policy: {
        current: () => ({
          id: "pack-1",
          digest: null,
          approved: null,
          drift: false,
          fetchedAt: null,
          error: null,
        }),
      },
      incidents: createIncidentStore({ store: s, clock: systemClock }),
      outbox: w,
    });
    w.start();

    const lags: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const arrived = rx.until(i + 1);
      await s.tx((tx) => dispatcher.handle(tx, [event(i, Date.now())]));
      const committed = performance.now();
      await arrived;
      lags.push(Math.max(0, rx.arrivals[i]! - committed));
    }
    lags.sort((a, b) => a - b);
    const p50 = lags[Math.floor(lags.length * 0.5)]!;
    const p99 = lags[Math.floor(lags.length * 0.99)]!;

    // The burst is handed over with the worker stopped, so each figure measures one side.
    await w.stop();
    let next = LATENCY_SAMPLES;
    const handStart = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENT_TX }, async () => {
        while (next < LATENCY_SAMPLES + BURST) {
          const i = next++;
          await s.tx((tx) => dispatcher.handle(tx, [event(i, Date.now())]));
        }
      }),
    );
    const handRate = BURST / ((performance.now() - handStart) / 1000);

    const drainStart = performance.now();
    w.start();
    await rx.until(LATENCY_SAMPLES + BURST);
    const drainRate = BURST / ((performance.now() - drainStart) / 1000);

    return [
      atMost("firing: transition commit → webhook received, p50", p50, "ms", 100),
      atMost("firing: transition commit → webhook received, p99", p99, "ms", 100),
      // Regression floors. Each transition is ~7 statements (incident, log, outbox row) committed
      // in groups; a real engine hands a tick's transitions over in one transaction, which is faster.
      atLeast(
        `firing burst: transitions handed to dispatch, ${CONCURRENT_TX} concurrent transactions`,
        handRate,
        "transitions/s",
        500,
      ),
      // The receiver runs in this process and shares its CPU: on a 2-core box a bare keep-alive
      // node:http loop reaches ~650 requests/s, so this floor bounds the outbox's own overhead.
      atLeast(
        `outbox drain: webhooks delivered, ${DELIVERY_CONCURRENCY} in flight`,
        drainRate,
        "notifications/s",
        250,
      ),
    ];
  } finally {
    await worker?.stop();
    await store?.close();
    await rx.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
