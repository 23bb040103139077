/**
 * Wiring: the only place that picks concrete implementations (SQLite store, in-process bus) and
 * connects the stages. Everything else depends on the interfaces in each module's index.ts.
 */
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import {
  type AuditKeys,
  type AuditLog,
  auditMigrations,
  createAuditLog,
  loadOrCreateSigningKeys,
  startCheckpoints,
} from "../audit/index.js";
import type { Bus } from "../bus/index.js";
import { MemoryBus } from "../bus/memory.js";
import {
  ConfigWatcher,
  type LoadedConfig,
  loadConfig,
  type OpsConfig,
  type Severity,
} from "../config/index.js";
import type { ActionDeps } from "../core/action.js";
import { perform } from "../core/action.js";
import { type Clock, systemClock } from "../core/clock.js";
import type { OpsError } from "../core/errors.js";
import { createLogger, type Logger } from "../core/log.js";
import type { Principal } from "../core/principal.js";
import { dispatchConfigFrom } from "../dispatch/index.js";
import { maintenanceSource } from "../dispatch/mute/index.js";
import { ProbeCatalog, probeMigrations } from "../probes/index.js";
import { reportMigrations, startReportWarmer, storeSources } from "../reports/index.js";
import { checkCondition } from "../rules/index.js";
import { buildServer } from "../server/app.js";
import { Authenticator } from "../server/auth.js";
import { createSilenceStore, silenceMigrations } from "../silences/index.js";
import type { Store } from "../store/index.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { applyConfigAction, configStateMigrations } from "./config-actions.js";
import { createDetection, type Detection, detectionMigrations } from "./detection.js";
import { assertSafeListen, type ListenAddress } from "./listen.js";
import { type AppMetrics, createMetrics } from "./metrics.js";

export interface AppOptions {
  configFile: string;
  env?: Record<string, string | undefined>;
  clock?: Clock;
  logger?: Logger;
  /** Overrides `server.listen` (the CLI passes HMS_OPS_LISTEN or --listen). */
  listen?: ListenAddress;
  /** Watch config files and apply edits (default true). SIGHUP works either way via `reload()`. */
  watch?: boolean;
}

export interface App {
  readonly config: OpsConfig;
  readonly server: FastifyInstance;
  readonly store: Store;
  readonly bus: Bus;
  readonly audit: AuditLog;
  readonly probes: ProbeCatalog;
  readonly metrics: AppMetrics;
  readonly detection: Detection;
  readonly logger: Logger;
  /** Starts listening; returns the base URL. */
  listen(): Promise<string>;
  /** Re-reads the config (what SIGHUP does). */
  reload(): Promise<"applied" | "unchanged" | "rejected">;
  close(): Promise<void>;
}

/** The actor recorded for changes made by editing ops.yml. */
const CONFIG_ACTOR: Principal = Object.freeze({ name: "config", scopes: ["admin"] as const });

export async function createApp(opts: AppOptions): Promise<App> {
  const env = opts.env ?? process.env;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? (await createLogger());
  let loaded: LoadedConfig = await loadConfig(opts.configFile, { env });
  const listenAt = opts.listen ?? loaded.config.server.listen;
  assertSafeListen(listenAt, loaded.config.server.auth.tokens.length);

  const store = await openSqliteStore({ file: join(loaded.config.server.data, "ops.db") });
  let keys: AuditKeys;
  try {
    await store.migrate([
      ...auditMigrations,
      ...probeMigrations,
      ...configStateMigrations,
      ...detectionMigrations,
      ...silenceMigrations,
      ...reportMigrations,
    ]);
    // Created at first start; a private key open to group or others is refused, as ssh does.
    keys = loadOrCreateSigningKeys(loaded.config.server.data);
  } catch (err) {
    await store.close();
    throw err;
  }
  const metrics = createMetrics();
  const bus = new MemoryBus({ onError: (err, topic) => logger.error({ err, topic }, "bus handler failed") });
  const audit = createAuditLog(store, clock, { keys });
  const actions: ActionDeps = { store, audit, bus, clock };
  const probes = new ProbeCatalog(store);
  await probes.load();
  probes.setConfigProbes(loaded.config.probes);
  bus.subscribe("probes.changed", (e) => probes.refresh(e.name));
  bus.subscribe("audit.appended", () => metrics.auditAppends.inc());

  const silences = createSilenceStore({ store, clock });
  await silences.refresh();
  const detection = createDetection({
    store,
    bus,
    clock,
    logger,
    probes,
    config: () => loaded.config,
    silences: () => silences.unexpired(),
    audit,
  });
  // Every node refreshes its in-memory list; a silence expired early may free held notifications.
  bus.subscribe("silences.changed", async () => {
    await silences.refresh();
    await detection.reviewMuted();
  });
  await detection.start();

  const auth = new Authenticator(loaded.config.server.auth);
  if (auth.open) logger.warn("no token configured: every local request is trusted (loopback only)");
  const server = await buildServer({
    logger,
    auth,
    metrics,
    bodyLimit: loaded.config.server.body_limit,
    actions,
    audit,
    probes,
    detection,
    silences,
    board: boardExtras(() => loaded.config, clock),
    reports: {
      sources: storeSources(store, detection.series, () => clock.now(), detection.incidents),
      // The SLOs the rules run on (ops.yml plus built-in and attached ones), as the board shows them.
      config: () => {
        const c = detection.effectiveConfig();
        return {
          slos: c.slos,
          probes: c.probes,
          receivers: c.receivers,
          maintenance: c.maintenance ?? [],
          initialNoticeMs: c.server.incidents.reporting.initial,
        };
      },
    },
    runbooks: {
      catalog: detection.runbooks.catalog,
      incidents: detection.incidents,
      probeExists: (name) => probes.get(name) !== undefined,
      checkCondition,
      secretValues: () => detection.runbooks.secretValues(),
    },
    incidents: {
      store: detection.incidents,
      hooks: detection.incidentHooks,
      baseUrl: () => dispatchConfigFrom(loaded.config).baseUrl,
      slo: (name) => dispatchConfigFrom(detection.effectiveConfig()).slos.get(name),
      reporting: () => loaded.config.server.incidents.reporting,
    },
  });

  const reportWarmer = startReportWarmer({
    db: store,
    series: detection.series,
    clock,
    logger,
    objectiveSlos: () =>
      detection
        .effectiveConfig()
        .slos.filter((s) => s.objective !== undefined)
        .map((s) => s.name),
  });

  let auditFailedOnce = false;
  const checkpoints = startCheckpoints({
    audit,
    clock,
    logger,
    intervalMs: checkpointInterval(loaded.config),
    // A failed verification becomes a sample `audit_ok` 0 (and 1 again once it verifies), so the
    // built-in SLO `audit_trail_intact` (`audit_ok == 0`) alerts through the normal pipeline. While
    // the trail has always verified there is no series, so no alert clutters the board.
    onVerified: (ok) => {
      if (ok && !auditFailedOnce) return;
      auditFailedOnce ||= !ok;
      detection.ingest([{ metric: "audit_ok", labels: {}, value: ok ? 1 : 0, ts: clock.now() }]);
    },
  });

  const apply = async (next: LoadedConfig, reason: "start" | "reload") => {
    const { changed, changes } = await perform(
      applyConfigAction,
      { ...actions, actor: CONFIG_ACTOR },
      { reason, files: next.files, config: next.config },
    );
    loaded = next;
    auth.update(next.config.server.auth);
    checkpoints.setInterval(checkpointInterval(next.config));
    probes.setConfigProbes(next.config.probes);
    if (reason === "reload") {
      await detection.applyConfig(next.config);
      await detection.reviewMuted();
    }
    if (reason === "reload" || changed) logger.info({ reason, changes: changes.length }, "config applied");
  };
  await apply(loaded, "start");

  const watcher = new ConfigWatcher({
    file: opts.configFile,
    env,
    current: loaded,
    onApply: async (next) => {
      await apply(next, "reload");
      metrics.configReloads.inc({ result: "applied" });
    },
    onReject: (err: OpsError) => {
      metrics.configReloads.inc({ result: "rejected" });
      logger.error(
        { code: err.code, details: err.details },
        `config change rejected, keeping the running config: ${err.message}`,
      );
    },
  });
  if (opts.watch !== false) watcher.start();

  let closed = false;
  return {
    get config() {
      return loaded.config;
    },
    server,
    store,
    bus,
    audit,
    probes,
    metrics,
    logger,
    detection,
    async listen() {
      return server.listen({ host: listenAt.host, port: listenAt.port });
    },
    async reload() {
      const result = await watcher.reload();
      if (result === "unchanged") metrics.configReloads.inc({ result });
      return result;
    },
    async close() {
      if (closed) return;
      closed = true;
      watcher.stop();
      await server.close();
      await reportWarmer.stop();
      await detection.stop();
      await checkpoints.stop();
      await bus.close();
      await store.close();
    },
  };
}

/** The board's 🔧: whether an ops.yml maintenance window covers an alert (or a probe) now. */
function boardExtras(config: () => OpsConfig, clock: Clock) {
  const windows = maintenanceSource(() => config().maintenance ?? []);
  return {
    inMaintenance: (a: {
      slo: string;
      probe: string | null;
      labels: Readonly<Record<string, string>>;
      severity: string;
    }) => windows.mutedBy({ ...a, severity: a.severity as Severity }, clock.now()) !== null,
  };
}

function checkpointInterval(config: OpsConfig): number {
  return config.server.audit?.checkpoint_interval ?? 3_600_000;
}
