/**
 * Wires the detection pipeline (DESIGN §1): probes and pushes → series → rule engine → dispatch
 * (incidents, outbox, sirens). Everything here is concrete wiring; each stage only knows the
 * interfaces of its neighbours.
 */

import { hostname } from "node:os";
import type { AuditLog } from "../audit/index.js";
import { boardStatus, type LastResult, RecentResults } from "../board/index.js";
import type { Bus } from "../bus/index.js";
import type { OpsConfig } from "../config/index.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import { createDispatcher, dispatchConfigFrom, dispatchMigrations } from "../dispatch/index.js";
import {
  createMuter,
  inhibitionSource,
  maintenanceSource,
  type SilenceLike,
  silenceSource,
} from "../dispatch/mute/index.js";
import {
  createIncidentStore,
  type IncidentHooks,
  type IncidentStore,
  incidentMigrations,
} from "../incidents/index.js";
import { PolicyMonitor, policyMigrations, withPolicySlos } from "../policy/index.js";
import {
  HeartbeatMonitor,
  type PingKind,
  PROBE_KINDS,
  type ProbeCatalog,
  ProbeScheduler,
  toSamples,
} from "../probes/index.js";
import { RuleEngine, ruleMigrations } from "../rules/index.js";
import { runbookMigrations } from "../runbooks/index.js";
import { BiasSensor, biasMigrations } from "../sensors/bias/index.js";
import type { AppendResult, SampleInput } from "../series/index.js";
import { createSeriesStore, seriesMigrations } from "../series/index.js";
import type { DetectionApi } from "../server/app.js";
import {
  closeReceivers,
  type DeliveryAttempt,
  OutboxWorker,
  receiversFrom,
  sirenMigrations,
} from "../sirens/index.js";
import type { Migration, Store } from "../store/index.js";
import { withBuiltins } from "./builtin-slos.js";
import { evidenceSources } from "./evidence.js";
import { ReportingClock } from "./reporting.js";
import { type RunbookWiring, wireRunbooks } from "./runbooks.js";

export const detectionMigrations: Migration[] = [
  ...seriesMigrations,
  ...ruleMigrations,
  ...incidentMigrations,
  ...sirenMigrations,
  ...dispatchMigrations,
  ...runbookMigrations,
  ...biasMigrations,
  ...policyMigrations,
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
  /** Unexpired silences, read per notification (src/silences keeps them in memory). */
  silences?: () => readonly SilenceLike[];
  /** Where dispatch records suppressed notifications and run-books record runs. */
  audit: AuditLog;
}

export interface Detection extends DetectionApi {
  start(): Promise<void>;
  /** Applies a (re)loaded config: probes, rules, policy source, eval interval. */
  applyConfig(config: OpsConfig): Promise<void>;
  stop(): Promise<void>;
  readonly rules: RuleEngine;
  readonly scheduler: ProbeScheduler;
  readonly policy: PolicyMonitor;
  readonly incidents: IncidentStore;
  /** Dispatch's side of a human ack or resolve (notifications, follow-ups). */
  readonly incidentHooks: IncidentHooks;
  /** A silence ended early or the windows were reloaded: held notifications are looked at now. */
  reviewMuted(): Promise<void>;
  readonly runbooks: RunbookWiring;
  /** Decisions in, fairness figures out as bias probes' series (src/sensors/bias). */
  readonly bias: BiasSensor;
  /** The config the rules and dispatch run on: ops.yml plus built-in and attached SLOs. */
  effectiveConfig(): OpsConfig;
}

const HOUR = 3_600_000;

export function createDetection(o: DetectionOptions): Detection {
  const { store, bus, clock, logger } = o;
  const series = createSeriesStore({ store, clock, hotWindowMs: HOUR });
  const incidents = createIncidentStore({ store, clock });
  /** Records each change of the pack, then appends its state as samples (`ingest` is below). */
  const policy = new PolicyMonitor({
    store,
    bus,
    clock,
    logger,
    audit: o.audit,
    incidents,
    ingest: (s) => ingest(s),
  });
  const outbox = new OutboxWorker({
    store,
    clock,
    logger,
    receivers: receiversFrom(o.config),
    nodeId: process.env.HMS_OPS_NODE_ID ?? hostname(),
    onAttempt: (attempt) => recordAttempt(attempt),
  });
  const recent = new RecentResults();
  /** Each delivery try lands on its incident's timeline (its own small transaction, after the fact). */
  const recordAttempt = (a: DeliveryAttempt) => {
    if (!a.incidentId) return;
    const incidentId = a.incidentId;
    void store
      .tx((tx) =>
        incidents.addEvent(tx, incidentId, {
          type: `notification.${a.result}`,
          at: a.at,
          data: {
            receiver: a.receiver,
            kind: a.kind,
            attempt: a.attempt,
            ...(a.repeatNo ? { repeat: a.repeatNo } : {}),
            ...(a.status !== undefined ? { status: a.status } : {}),
            ...(a.error !== undefined ? { error: a.error } : {}),
            ...(a.nextAttemptAt !== undefined
              ? { nextAttemptAt: new Date(a.nextAttemptAt).toISOString() }
              : {}),
          },
        }),
      )
      .catch((err: unknown) =>
        logger.error({ err, incident: incidentId }, "could not record a delivery on the timeline"),
      );
  };
  const runbooks = wireRunbooks({
    store,
    bus,
    clock,
    logger,
    audit: o.audit,
    incidents,
    alertFiring: (id) => rules.isFiring(id),
  });
  /** ops.yml plus HMS-OPS's own SLOs and those that `attach {probe, when, do}` registered at run time. */
  const config = () => withPolicySlos(runbooks.effective(withBuiltins(o.config())));
  const muter = createMuter({
    maintenance: maintenanceSource(() => o.config().maintenance),
    silences: silenceSource(o.silences ?? (() => [])),
    inhibition: inhibitionSource({ slos: () => config().slos, alerts: () => rules.alerts() }),
  });
  const dispatcher = createDispatcher({
    store,
    clock,
    muter,
    audit: o.audit,
    runbooks: runbooks.trigger,
    policy,
    incidents,
    outbox,
    logger,
    config: () => dispatchConfigFrom(config()),
    evidence: evidenceSources({
      series,
      probes: o.probes,
      recent,
      config,
      policy,
      bias: (probe) => bias.report(probe),
    }),
  });
  const rules = new RuleEngine({
    store,
    series,
    clock,
    logger,
    sink: dispatcher,
    // Objective SLOs' per-minute event counts, stored as series (slo_events_good/_total).
    appendEvents: (samples) => void series.append(samples),
    onCommitted: (events) => {
      outbox.kick();
      for (const event of events) void bus.publish("alerts.transition", event);
    },
  });

  const ingest = (samples: SampleInput[]): AppendResult => {
    const result = series.append(samples);
    if (result.touched.length > 0) void rules.evaluate(result.touched);
    if (samples.length > 0) void bus.publish("samples.appended", { samples });
    return result;
  };
  const bias = new BiasSensor({ store, clock, logger, emit: (samples) => void ingest(samples) });
  const reportingClock = new ReportingClock({ incidents, clock, bus, logger, config, ingest });
  const heartbeats = new HeartbeatMonitor({
    clock,
    emit: (samples) => {
      for (const s of samples) {
        const name = s.labels.probe;
        if (s.metric === "ok" && name) recent.record(name, { ts: s.ts, ok: s.value === 1 });
      }
      ingest(samples);
    },
  });
  const scheduler = new ProbeScheduler({
    clock,
    logger,
    kinds: PROBE_KINDS,
    onResult: (result, probe) => {
      recent.record(result.probe, {
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
    const known = recent.last(name);
    if (known) return known;
    // Push probes: the latest pushed value of the probe's default metric.
    const [s] = series.find("value", { probe: name });
    const point = s && series.last(s.id);
    if (point) return { ts: point.ts, ok: true, value: point.value };
    // Bias probes: when figures were last appended (value: the lowest disparate_impact then).
    const figures = bias.last(name);
    return figures && { ...figures, ok: true };
  };

  const syncProbes = () => {
    const specs = o.probes.list().map((e) => e.spec);
    scheduler.setProbes(specs);
    heartbeats.setProbes(specs);
    bias
      .setProbes(specs)
      .catch((err: unknown) => logger.error({ err }, "bias: could not load the stored decision counts"));
    return specs;
  };
  const unsubscribe: (() => void)[] = [];
  const resetRules = () => rules.setRules(config().slos, { probes: o.probes.list().map((e) => e.spec) });

  return {
    rules,
    scheduler,
    policy,
    series,
    incidents,
    incidentHooks: dispatcher.hooks,
    reviewMuted: () => dispatcher.reviewMuted(),
    bias,
    runbooks,
    effectiveConfig: config,
    ingest,
    sloBudget: (name: string) => rules.budget(name),
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
      const open = await incidents.countActive();
      return boardStatus({
        probes: o.probes.list(),
        last: lastOf,
        alerts: rules.alerts(),
        slos: rules.sloStates(),
        policy: policy.current(),
        openIncidents: open,
      });
    },
    async start() {
      await series.start();
      await rules.load();
      await runbooks.catalog.load();
      await this.applyConfig(o.config());
      // The rules have declared how far back they read: refill those hot windows from history,
      // so the first hour after a restart does not run on partial windows.
      await series.warm();
      await outbox.start();
      dispatcher.start();
      await runbooks.start();
      reportingClock.start();
      await policy.start();
      scheduler.start();
      bias.start();
      unsubscribe.push(
        o.probes.onChange(() => {
          syncProbes();
          void resetRules();
        }),
        bus.subscribe("runbooks.changed", async () => {
          await runbooks.catalog.load();
          await resetRules();
        }),
      );
    },
    async applyConfig(config: OpsConfig) {
      const specs = syncProbes();
      policy.configure(config.policy);
      runbooks.applyConfig(config);
      await rules.setRules(withPolicySlos(runbooks.effective(withBuiltins(config))).slos, { probes: specs });
      rules.start(config.server.eval_interval);
    },
    async stop() {
      for (const u of unsubscribe.splice(0)) u();
      await scheduler.stop();
      heartbeats.stop();
      await bias.stop();
      await policy.stop();
      await reportingClock.stop();
      await rules.stop();
      await runbooks.stop();
      await dispatcher.stop();
      await outbox.stop();
      await closeReceivers();
      await series.close();
    },
  };
}
