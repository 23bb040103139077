/**
 * The response path (dispatch → outbox → receivers) on a real temp SQLite file, against a real
 * keep-alive webhook receiver and a real SMTP server running in a child process
 * (bench/dispatch-receivers.ts), so they do not share this event loop or its CPU time.
 *
 * The outbox worker runs as the app wires it (src/app/detection.ts): default concurrency, a node
 * id, and every delivery attempt written to its incident's timeline in its own transaction.
 * Every alert has its own SLO: dispatch groups the alerts of one SLO into one incident and one page.
 *
 * 1. Latency: one firing at a time, from the commit of the engine transaction that hands it to
 *    dispatch to the signed POST arriving (DESIGN: the page leaves at once).
 * 2. 1,000 alerts at once (issue 4): 1,000 SLOs fire in one rule-engine tick, so their transitions
 *    reach dispatch in one transaction, as the engine hands them; their siren notifies a webhook
 *    and an email receiver: 2,000 deliveries, timed from the start of the hand-over to the last
 *    arrival at either receiver.
 * 3. Throughput (issue 4): 5,000 webhook notifications queued (engine-sized transactions) with
 *    the worker stopped; then it starts and the drain is timed, start to last arrival.
 */
import { type ChildProcess, fork } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { SloConfig } from "../src/config/index.js";
import { systemClock } from "../src/core/clock.js";
import { createDispatcher, type DispatchConfig, dispatchMigrations } from "../src/dispatch/index.js";
import { createIncidentStore, incidentMigrations } from "../src/incidents/index.js";
import type { AlertEvent } from "../src/rules/events.js";
import { type DeliveryAttempt, OutboxWorker, receiversFrom, sirenMigrations } from "../src/sirens/index.js";
import { closeReceivers } from "../src/sirens/receivers/index.js";
import type { Store } from "../src/store/index.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { atLeast, atMost, type BenchResult } from "./lib.js";

/** Firings timed one by one for the latency figure. */
const LATENCY_SAMPLES = 200;
/** SLOs firing in one tick, each told by webhook and email (issue 4). */
const AT_ONCE = 1000;
/** Webhook notifications queued before the drain is timed (issue 4: at least 5,000). */
const THROUGHPUT = 5000;
/** Transitions per engine transaction while queueing the throughput backlog. */
const ENGINE_TX = 500;

/** Epoch ms with sub-millisecond precision, comparable with the receivers' process. */
const now = () => performance.timeOrigin + performance.now();

const event = (slo: string, i: number, at: number): AlertEvent => ({
  alertId: `${slo}/latency{probe="svc-${i}"}`,
  slo,
  probe: `svc-${i}`,
  seriesKey: `latency{probe="svc-${i}"}`,
  labels: { probe: `svc-${i}`, agency: "IRS" },
  kind: "firing",
  at,
  value: 412,
  unit: "ms",
  condition: "latency > 250ms for 2s",
  severity: "page",
  episode: 1,
  activeAt: at - 2000,
  firedAt: at,
});

const slo = (name: string, siren: string): [string, SloConfig] => [
  name,
  { name, when: "latency > 250ms for 2s", no_data: "keep", severity: "page", siren, labels: {} },
];

/** `prefix-0` … `prefix-(n-1)`, each on `siren`. */
const slos = (prefix: string, n: number, siren: string) =>
  Array.from({ length: n }, (_, i) => slo(`${prefix}-${i}`, siren));

interface Arrivals {
  webhook: number;
  email: number;
  malformed: number;
  lastWebhookAt: number | null;
  lastEmailAt: number | null;
  timedOut: boolean;
}

interface Receivers {
  webhookUrl: string;
  smtpUrl: string;
  /** Resolves once this many of each have arrived since the last reset (or after `timeoutMs`). */
  wait(webhook: number, email: number, timeoutMs?: number): Promise<Arrivals>;
  /** Webhook arrival times (epoch ms) from index `from`. */
  times(from: number): Promise<number[]>;
  cpuMs(): Promise<number>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Forks the compiled bench/dispatch-receivers.js and waits (≤ 10 s) for its ports. */
async function startReceivers(): Promise<Receivers> {
  const child: ChildProcess = fork(fileURLToPath(new URL("./dispatch-receivers.js", import.meta.url)), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ports = await new Promise<{ webhookPort: number; smtpPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("bench receivers did not start within 10 s")), 10_000);
    child.once("message", (m) => {
      clearTimeout(timer);
      resolve(m as { webhookPort: number; smtpPort: number });
    });
    child.once("exit", (code) => reject(new Error(`bench receivers exited with ${code}`)));
  });
  let nextId = 0;
  const ask = <T>(q: Record<string, unknown>, timeoutMs = 10_000): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        child.off("message", onMessage);
        reject(new Error(`bench receivers did not answer "${String(q.q)}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: unknown) => {
        if ((m as { id?: number }).id !== id) return;
        clearTimeout(timer);
        child.off("message", onMessage);
        resolve(m as T);
      };
      child.on("message", onMessage);
      child.send({ ...q, id });
    });
  return {
    webhookUrl: `http://127.0.0.1:${ports.webhookPort}/hook`,
    smtpUrl: `smtp://127.0.0.1:${ports.smtpPort}`,
    wait: (webhook, email, timeoutMs = 60_000) =>
      ask<Arrivals>({ q: "wait", webhook, email, timeoutMs }, timeoutMs + 10_000),
    times: async (from) => (await ask<{ times: number[] }>({ q: "times", from })).times,
    cpuMs: async () => {
      const { cpu } = await ask<{ cpu: NodeJS.CpuUsage }>({ q: "cpu" });
      return (cpu.user + cpu.system) / 1000;
    },
    reset: async () => {
      await ask({ q: "reset" });
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.disconnect();
      }),
  };
}

const ownCpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

function missing(what: string, got: Arrivals, webhook: number, email: number): Error {
  return new Error(
    `${what}: only ${got.webhook}/${webhook} webhooks and ${got.email}/${email} emails arrived ` +
      `(${got.malformed} malformed requests)`,
  );
}

export async function run(): Promise<BenchResult[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-bench-dispatch-"));
  const rx = await startReceivers();
  let store: Store | undefined;
  let worker: OutboxWorker | undefined;
  try {
    store = await openSqliteStore({ file: path.join(dir, "ops.db") });
    await store.migrate([...incidentMigrations, ...sirenMigrations, ...dispatchMigrations]);
    const s = store;
    const config: DispatchConfig = {
      slos: new Map([
        ...slos("latency", LATENCY_SAMPLES, "page"),
        ...slos("at-once", AT_ONCE, "page-and-mail"),
        ...slos("throughput", THROUGHPUT, "page"),
      ]),
      sirens: {
        page: { notify: ["hook"], escalate: [] },
        "page-and-mail": { notify: ["hook", "mail"], escalate: [] },
      },
      receivers: {
        hook: { type: "webhook", url: rx.webhookUrl, secret: "bench-secret-0123456789", timeout: 5000 },
        mail: {
          type: "email",
          smtp: rx.smtpUrl,
          from: "ops@agency.example",
          to: ["oncall@agency.example"],
          timeout: 5000,
        },
      },
      baseUrl: "http://ops.example",
      reopenWithinMs: 0,
    };
    const incidents = createIncidentStore({ store: s, clock: systemClock });
    // As src/app/detection.ts does: each attempt on its incident's timeline, in its own transaction.
    const recordAttempt = (a: DeliveryAttempt) => {
      if (!a.incidentId) return;
      const incidentId = a.incidentId;
      void s
        .tx((tx) =>
          incidents.addEvent(tx, incidentId, {
            type: `notification.${a.result}`,
            at: a.at,
            data: { receiver: a.receiver, kind: a.kind, attempt: a.attempt },
          }),
        )
        .catch(() => {});
    };
    worker = new OutboxWorker({
      store: s,
      clock: systemClock,
      receivers: receiversFrom(() => config),
      nodeId: "bench-node",
      onAttempt: recordAttempt,
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
      incidents,
      outbox: w,
    });
    const handOver = (events: AlertEvent[]) => s.tx((tx) => dispatcher.handle(tx, events));
    await w.start();

    // 1. Latency, one firing at a time.
    const committed: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      await handOver([event(`latency-${i}`, i, Date.now())]);
      committed.push(now());
      const got = await rx.wait(i + 1, 0, 10_000);
      if (got.timedOut) throw missing("latency", got, i + 1, 0);
    }
    const arrivals = await rx.times(0);
    const lags = committed.map((c, i) => Math.max(0, (arrivals[i] ?? Number.POSITIVE_INFINITY) - c));
    lags.sort((a, b) => a - b);
    const p50 = lags[Math.floor(lags.length * 0.5)]!;
    const p99 = lags[Math.floor(lags.length * 0.99)]!;

    // 2. 1,000 alerts at once: one engine transaction hands every transition to dispatch.
    await w.idle();
    await rx.reset();
    const burst = Array.from({ length: AT_ONCE }, (_, i) => event(`at-once-${i}`, i, Date.now()));
    const burstStart = now();
    await handOver(burst);
    const burstCommitted = now();
    const burstGot = await rx.wait(AT_ONCE, AT_ONCE, 60_000);
    if (burstGot.timedOut) throw missing("1,000 at once", burstGot, AT_ONCE, AT_ONCE);
    const lastWebhook = burstGot.lastWebhookAt! - burstStart;
    const lastEmail = burstGot.lastEmailAt! - burstStart;
    const burstTotal = Math.max(lastWebhook, lastEmail);
    console.log(
      `  · 1,000 at once: hand-over (1 tx) ${Math.round(burstCommitted - burstStart)} ms, last webhook ` +
        `${Math.round(lastWebhook)} ms, last email ${Math.round(lastEmail)} ms after the start`,
    );

    // 3. Throughput: queue with the worker stopped, then time the drain.
    await w.idle();
    await w.stop();
    await rx.reset();
    const handStart = now();
    for (let from = 0; from < THROUGHPUT; from += ENGINE_TX) {
      const n = Math.min(ENGINE_TX, THROUGHPUT - from);
      await handOver(
        Array.from({ length: n }, (_, k) => event(`throughput-${from + k}`, from + k, Date.now())),
      );
    }
    const handRate = THROUGHPUT / ((now() - handStart) / 1000);
    const [cpuBefore, rxCpuBefore] = [ownCpuMs(), await rx.cpuMs()];
    const drainStart = now();
    await w.start();
    const drained = await rx.wait(THROUGHPUT, 0, 120_000);
    if (drained.timedOut) throw missing("throughput", drained, THROUGHPUT, 0);
    const drainMs = drained.lastWebhookAt! - drainStart;
    const drainRate = THROUGHPUT / (drainMs / 1000);
    const [cpuAfter, rxCpuAfter] = [ownCpuMs(), await rx.cpuMs()];
    console.log(
      `  · drain of ${THROUGHPUT.toLocaleString("en-US")}: ${Math.round(drainMs)} ms; CPU ` +
        `outbox process ${Math.round(cpuAfter - cpuBefore)} ms, receiver process ${Math.round(rxCpuAfter - rxCpuBefore)} ms`,
    );

    return [
      atMost("firing: transition commit → webhook received, p50", p50, "ms", 100),
      atMost("firing: transition commit → webhook received, p99", p99, "ms", 100),
      atMost(
        `${AT_ONCE.toLocaleString("en-US")} alerts at once, webhook + email (${2 * AT_ONCE} deliveries): hand-over start → last arrival`,
        burstTotal,
        "ms",
        5000,
      ),
      // Regression floor: each transition is ~15 statements (incident, log, outbox rows).
      atLeast(`transitions handed to dispatch, ${ENGINE_TX} per transaction`, handRate, "transitions/s", 500),
      atLeast(
        `outbox drain: ${THROUGHPUT.toLocaleString("en-US")} queued webhooks delivered`,
        drainRate,
        "notifications/s",
        2000,
      ),
    ];
  } finally {
    await worker?.stop();
    await closeReceivers();
    await store?.close();
    await rx.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
