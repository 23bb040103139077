/**
 * Dispatch wired the way src/app wires it, on a real SQLite file and a real loopback receiver,
 * with a fake clock for the store-side timers. Never part of the build.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type AuditLog, auditMigrations, createAuditLog } from "../audit/index.js";
import type { ReceiverConfig, SirenConfig, SloConfig } from "../config/index.js";
import { type Clock, FakeClock } from "../core/clock.js";
import { createIncidentStore, type IncidentStore, incidentMigrations } from "../incidents/index.js";
import type { PolicyState } from "../policy/types.js";
import type { AlertEvent } from "../rules/events.js";
import { T0 } from "../sirens/fixtures.case.js";
import { type DeliveryAttempt, OutboxWorker, receiversFrom, sirenMigrations } from "../sirens/index.js";
import { type LoopbackReceiver, startLoopbackReceiver } from "../sirens/receivers/loopback.case.js";
import type { Store } from "../store/index.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { createDispatcher, type DispatchConfig, type Dispatcher, dispatchMigrations } from "./index.js";
import type { Muter } from "./mute/index.js";

export const HOOK_SECRET = "whsec-harness-0123456789";

export interface Harness {
  file: string;
  store: Store;
  clock: Clock;
  fake: FakeClock | undefined;
  /** Receiver `hook` (signed); `counsel` is the second one, only the compliance siren uses it. */
  rx: LoopbackReceiver;
  counsel: LoopbackReceiver;
  config: DispatchConfig & {
    slos: Map<string, SloConfig>;
    sirens: Record<string, SirenConfig>;
    receivers: Record<string, ReceiverConfig>;
  };
  policy: PolicyState;
  incidents: IncidentStore;
  /** Where dispatch records suppressed notifications. */
  audit: AuditLog;
  worker: OutboxWorker;
  dispatcher: Dispatcher;
  attempts: DeliveryAttempt[];
  /** One engine transaction handing `events` to dispatch. */
  handle(...events: AlertEvent[]): Promise<void>;
  /** Waits until scheduled runs and deliveries in progress are done. */
  settle(): Promise<void>;
  /** Advances the fake clock by `ms` and settles. */
  advance(ms: number): Promise<void>;
  /** Stops everything, closes the store and opens it again with new workers (a process restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Default: a FakeClock at T0. */
  clock?: Clock;
  repeat?: number;
  /** Maintenance windows, silences, inhibition; default: nothing is muted. */
  muter?: Muter;
}

export async function openHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-dispatch-"));
  const file = path.join(dir, "ops.db");
  const clock = opts.clock ?? new FakeClock(T0);
  const rx = await startLoopbackReceiver();
  const second = await startLoopbackReceiver();
  const config: Harness["config"] = {
    slos: new Map<string, SloConfig>([
      [
        "irs-login-latency",
        {
          name: "irs-login-latency",
          probe: "irs-login",
          when: "latency > 250ms for 2s",
          no_data: "keep",
          severity: "page",
          siren: "oncall",
          labels: {},
        },
      ],
      [
        "sla_wait_time",
        {
          name: "sla_wait_time",
          when: "avg(sla_wait_time) > 60000ms over 60s",
          no_data: "keep",
          severity: "legal",
          legal: { sla: "Answer calls in under 60 seconds", statute: "5 U.S.C. 552" },
          siren: "compliance",
          labels: {},
        },
      ],
      [
        "quiet",
        { name: "quiet", probe: "irs-login", when: "ok < 1", no_data: "keep", severity: "info", labels: {} },
      ],
    ]),
    sirens: {
      oncall: { notify: ["hook"], escalate: [], ...(opts.repeat ? { repeat: opts.repeat } : {}) },
      compliance: { notify: ["hook", "counsel"], escalate: [] },
    },
    receivers: {
      hook: { type: "webhook", url: rx.url, secret: HOOK_SECRET, timeout: 2000 },
      counsel: { type: "webhook", url: second.url, timeout: 2000 },
    },
    baseUrl: "http://ops.example",
    reopenWithinMs: 0,
  };
  const policy: PolicyState = {
    id: "pack-2026-11-01",
    digest: null,
    approved: null,
    drift: false,
    fetchedAt: T0,
    error: null,
  };
  const attempts: DeliveryAttempt[] = [];

  const wire = async () => {
    const store = await openSqliteStore({ file });
    await store.migrate([
      ...auditMigrations,
      ...incidentMigrations,
      ...sirenMigrations,
      ...dispatchMigrations,
    ]);
    const incidents = createIncidentStore({ store, clock });
    const audit = createAuditLog(store, clock);
    const worker = new OutboxWorker({
      store,
      clock,
      receivers: receiversFrom(() => config),
      random: () => 0,
      pollMs: 30 * 86_400_000,
      onAttempt: (a) => attempts.push(a),
    });
    const dispatcher = createDispatcher({
      store,
      clock,
      config: () => config,
      policy: { current: () => ({ ...policy }) },
      incidents,
      outbox: worker,
      audit,
      ...(opts.muter ? { muter: opts.muter } : {}),
      schedulePollMs: 30 * 86_400_000,
    });
    worker.start();
    dispatcher.start();
    return { store, incidents, audit, worker, dispatcher };
  };

  const h: Harness = {
    file,
    clock,
    fake: clock instanceof FakeClock ? clock : undefined,
    rx,
    counsel: second,
    config,
    policy,
    attempts,
    ...(await wire()),
    handle(...events) {
      return h.store.tx((tx) => h.dispatcher.handle(tx, events));
    },
    async settle() {
      for (let i = 0; i < 3; i++) {
        await h.dispatcher.idle();
        await h.worker.idle();
      }
    },
    async advance(ms) {
      if (!h.fake) throw new Error("advance needs the fake clock");
      h.fake.advance(ms);
      await h.settle();
    },
    async restart() {
      await h.dispatcher.stop();
      await h.worker.stop();
      await h.store.close();
      Object.assign(h, await wire());
      await h.settle();
    },
    async close() {
      await h.dispatcher.stop();
      await h.worker.stop();
      await h.store.close();
      await rx.close();
      await second.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}
