/**
 * The HTTP application: auth, errors, body limits and the routes of DESIGN §4. It depends on the
 * stages through small interfaces handed in by src/app; it never opens stores itself.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { AppMetrics } from "../app/metrics.js";
import type { AuditLog } from "../audit/index.js";
import type { TileAlert } from "../board/index.js";
import type { ReportingConfig, SloConfig } from "../config/index.js";
import type { ActionDeps } from "../core/action.js";
import type { Logger } from "../core/log.js";
import type { IncidentHooks, IncidentStore } from "../incidents/index.js";
import type { PolicyReader } from "../policy/index.js";
import type { ProbeCatalog } from "../probes/index.js";
import type { SloBudgetView } from "../rules/index.js";
import type { RunbookActionDeps } from "../runbooks/index.js";
import type { BiasSensor } from "../sensors/bias/index.js";
import type { SampleInput, SeriesQuerier } from "../series/index.js";
import type { SilenceStore } from "../silences/index.js";
import { type Authenticator, installAuth, type RouteAccess } from "./auth.js";
import { installErrorHandling } from "./errors.js";
import { auditRoutes } from "./routes/audit.js";
import { boardRoutes } from "./routes/board.js";
import { decisionRoutes } from "./routes/decisions.js";
import { healthRoutes } from "./routes/health.js";
import { heartbeatRoutes } from "./routes/heartbeats.js";
import { incidentRoutes } from "./routes/incidents.js";
import { metricsRoutes } from "./routes/metrics.js";
import { openapiRoutes } from "./routes/openapi.js";
import { policyRoutes } from "./routes/policy.js";
import { probeRoutes } from "./routes/probes.js";
import { type ReportDeps, reportRoutes } from "./routes/reports.js";
import { runbookRoutes } from "./routes/runbooks.js";
import { sampleRoutes } from "./routes/samples.js";
import { seriesRoutes } from "./routes/series.js";
import { silenceRoutes } from "./routes/silences.js";
import { sloRoutes } from "./routes/slos.js";
import { statusRoutes } from "./routes/status.js";
import { installWebsocket, streamRoutes } from "./routes/stream.js";

/** What the detection pipeline offers the API (wired in src/app). */
export interface DetectionApi {
  /** Appends validated samples and evaluates the rules that read them. */
  ingest(samples: SampleInput[]): { accepted: number };
  heartbeat(name: string, kind: "success" | "start" | "fail"): void;
  status(): Promise<unknown>;
  alerts(): unknown[];
  series: Pick<SeriesQuerier, "range" | "find">;
  /** Counts decision batches for bias probes (`POST /api/v1/decisions`). */
  bias: Pick<BiasSensor, "record">;
  /** The live policy pack and its recorded changes (`GET /api/v1/policy`). */
  policy: PolicyReader;
  /** An objective SLO's error budget and burn rates (`GET /api/v1/slos/:name/budget`). */
  sloBudget?: (name: string) => SloBudgetView | undefined;
}

export interface ServerDeps {
  logger: Logger;
  auth: Authenticator;
  metrics: AppMetrics;
  /** Largest accepted request body in bytes. */
  bodyLimit: number;
  actions: ActionDeps;
  audit: AuditLog;
  probes: ProbeCatalog;
  detection: DetectionApi;
  runbooks: RunbookActionDeps & { secretValues: () => readonly string[] };
  incidents: {
    store: IncidentStore;
    hooks: IncidentHooks;
    /** Base of incident links (`server.url`), read per request so a reload applies. */
    baseUrl: () => string;
    /** The SLO as configured now (reporting deadlines, the agreement in reports). */
    slo: (name: string) => SloConfig | undefined;
    reporting: () => ReportingConfig;
  };
  silences: SilenceStore;
  /** The SLA compliance report's data sources and config (wired in src/app). */
  reports?: ReportDeps;
  /** What the board's tiles show beyond the status read model (wired in src/app). */
  board?: { inMaintenance(alert: TileAlert): boolean };
}

declare module "fastify" {
  interface FastifyInstance {
    /** Every route with the access it demands (the auth matrix test walks this). */
    routeAccess: readonly RouteAccess[];
  }
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance type the default one.
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Per-request lines would drown the log at probe/ingest rates; /metrics counts requests instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
  });
  installErrorHandling(app);
  // Before auth: its onRequest hook marks upgrade requests, so one refused by auth is closed too.
  await installWebsocket(app);
  app.decorate("routeAccess", installAuth(app, deps.auth));
  instrument(app, deps.metrics);

  // First: it collects the `config.doc` of every route added after it (the OpenAPI document).
  openapiRoutes(app);
  healthRoutes(app);
  metricsRoutes(app, deps);
  auditRoutes(app, deps);
  probeRoutes(app, deps);
  sampleRoutes(app, deps);
  heartbeatRoutes(app, deps);
  decisionRoutes(app, deps);
  statusRoutes(app, deps);
  policyRoutes(app, deps);
  sloRoutes(app, deps);
  seriesRoutes(app, deps);
  incidentRoutes(app, deps);
  reportRoutes(app, deps);
  runbookRoutes(app, deps);
  silenceRoutes(app, deps);
  streamRoutes(app, deps);
  boardRoutes(app);
  await app.ready();
  return app;
}

function instrument(app: FastifyInstance, metrics: AppMetrics): void {
  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
}
