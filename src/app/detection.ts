/**
 * Wires the detection pipeline (DESIGN §1): probes and pushes → series → rule engine → dispatch
 * (incidents, outbox, sirens). Everything here is concrete wiring; each stage only knows the
 * interfaces of its neighbours.
 */

import { hostname } from "node:os";
import { boardStatus, type LastResult } from "../board/index.js";
import type { Bus } from "../bus/index.js";
import type { OpsConfig } from "../config/index.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import { createDispatcher, dispatchConfigFrom, dispatchMigrations } from "../dispatch/index.js";
import { createIncidentStore, incidentMigrations } from "../incidents/index.js";
import { PolicyWatcher } from "../policy/index.js";
import {
  HeartbeatMonitor,
  type PingKind,
  PROBE_KINDS,
  type ProbeCatalog,
  ProbeScheduler,
  toSamples,
} from "../probes/index.js";
import { RuleEngine, ruleMigrations } from "../rules/index.js";
import type { AppendResult, SampleInput } from "../series/index.js";
import { createSeriesStore, seriesMigrations } from "../series/index.js";
import type { DetectionApi } from "../server/app.js";
import { OutboxWorker, receiversFrom, sirenMigrations } from "../sirens/index.js";
import type { Migration, Store } from "../store/index.js";

export const detectionMigrations: Migration[] = [
  ...seriesMigrations,
  ...ruleMigrations,
  ...incidentMigrations,
  ...sirenMigrations,
  ...dispatchMigrations,
];

declare module "../bus/index.js" {
  interface BusTopics {
    /** Every appended batch (the board's live charts subscribe). */
    "samples.appended": { samples: readonly SampleInput[] };
  }
}

export interface DetectionOptions {
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  probes: ProbeCatalog;
  config: () => OpsConfig;
}

export interface Detection extends DetectionApi {
  start(): Promise<void>;
  /** Applies a (re)loaded config: probes, rules, policy source, eval interval. */
  applyConfig(config: OpsConfig): Promise<void>;
  stop(): Promise<void>;
  readonly rules: RuleEngine;
  readonly scheduler: ProbeScheduler;
  readonly policy: PolicyWatcher;
}

const HOUR = 3_600_000;

export function createDetection(o: DetectionOptions): Detection {
  const { store, bus, clock, logger } = o;
  const series = createSeriesStore({ store, clock, hotWindowMs: HOUR });
  const policy = new PolicyWatcher({ clock, logger });
  const incidents = createIncidentStore({ store, clock });
  const outbox = new OutboxWorker({
    store,
    clock,
    logger,
    receivers: receiversFrom(o.config),
    nodeId: process.env.HMS_OPS_NODE_ID ?? hostname(),
  });
  const dispatcher = createDispatcher({
    store,
    clock,
    policy,
    incidents,
    outbox,
    logger,
    config: () => dispatchConfigFrom(o.config()),
  });
  const rules = new RuleEngine({
    store,
    series,
    clock,
    logger,
    sink: dispatcher,
    onCommitted: (events) => {
      outbox.kick();
      for (const event of events) void bus.publish("alerts.transition", event);
    },
  });
  const last = new Map<string, LastResult>();

  const ingest = (samples: SampleInput[]): AppendResult => {
    const result = series.append(samples);
    if (result.touched.length > 0) void rules.evaluate(result.touched);
    if (samples.length > 0) void bus.publish("samples.appended", { samples });
    return result;
  };
  const heartbeats = new HeartbeatMonitor({
    clock,
    emit: (samples) => {
      for (const s of samples) {
        const name = s.labels.probe;
        if (s.metric === "ok" && name) last.set(name, { ts: s.ts, ok: s.value === 1 });
      }
      ingest(samples);
    },
  });
  const scheduler = new ProbeScheduler({
    clock,
    logger,
    kinds: PROBE_KINDS,
    onResult: (result, probe) => {
      last.set(result.probe, {
        ts: result.ts,
        ok: result.ok,
        latencyMs: result.latencyMs,
        ...(result.status !== undefined ? { status: result.status } : {}),
        ...(result.error !== undefined ? { error: result.error } : {}),
      });
      ingest(toSamples(result, probe.labels));
    },
  });

  const lastOf = (name: string): LastResult | undefined => {
    const known = last.get(name);
    if (known) return known;
    // Push probes: the latest pushed value of the probe's default metric.
    const [s] = series.find("value", { probe: name });
    const point = s && series.last(s.id);
    return point ? { ts: point.ts, ok: true, value: point.value } : undefined;
  };

  const syncProbes = () => {
    const specs = o.probes.list().map((e) => e.spec);
    scheduler.setProbes(specs);
    heartbeats.setProbes(specs);
    return specs;
  };
  let unsubscribe: (() => void) | undefined;

  return {
    rules,
    scheduler,
    policy,
    series,
    ingest,
    heartbeat(name: string, kind: PingKind) {
      heartbeats.ping(name, kind);
    },
    alerts: () =>
      rules.alerts().map((a) => ({
        ...a,
        since: new Date(a.since).toISOString(),
        activeAt: a.activeAt === null ? null : new Date(a.activeAt).toISOString(),
        firedAt: a.firedAt === null ? null : new Date(a.firedAt).toISOString(),
      })),
    async status() {
      const open = await incidents.list({ state: "open", limit: 100_000 });
      return boardStatus({
        probes: o.probes.list(),
        last: lastOf,
        alerts: rules.alerts(),
        slos: rules.sloStates(),
        policy: policy.current(),
        openIncidents: open.length,
      });
    },
    async start() {
      await series.start();
      await rules.load();
      const config = o.config();
      await this.applyConfig(config);
      // The rules have declared how far back they read: refill those hot windows from history,
      // so the first hour after a restart does not run on partial windows.
      await series.warm();
      await outbox.start();
      dispatcher.start();
      policy.start();
      scheduler.start();
      unsubscribe = o.probes.onChange(() => {
        const specs = syncProbes();
        void rules.setRules(o.config().slos, { probes: specs });
      });
    },
    async applyConfig(config: OpsConfig) {
      const specs = syncProbes();
      policy.configure(config.policy);
      await rules.setRules(config.slos, { probes: specs });
      rules.start(config.server.eval_interval);
    },
    async stop() {
      unsubscribe?.();
      await scheduler.stop();
      heartbeats.stop();
      await policy.stop();
      await rules.stop();
      await dispatcher.stop();
      await outbox.stop();
      await series.close();
    },
  };
}
