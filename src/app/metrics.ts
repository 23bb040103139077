/**
 * HMS-OPS's own figures for `GET /metrics` (Prometheus text exposition). One registry per app
 * instance, so several apps in one process (tests) never share counters.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface AppMetrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route">;
  configReloads: Counter<"result">;
  auditAppends: Counter;
  probes: Gauge<"source">;
}

export function createMetrics(): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "hms_ops_" });
  return {
    registry,
    httpRequests: new Counter({
      name: "hms_ops_http_requests_total",
      help: "HTTP requests served, by route and status.",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "hms_ops_http_request_duration_seconds",
      help: "HTTP request duration.",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    configReloads: new Counter({
      name: "hms_ops_config_reloads_total",
      help: "Config reloads by result (applied, unchanged, rejected).",
      labelNames: ["result"],
      registers: [registry],
    }),
    auditAppends: new Counter({
      name: "hms_ops_audit_entries_appended_total",
      help: "Audit entries appended by this process.",
      registers: [registry],
    }),
    probes: new Gauge({
      name: "hms_ops_probes",
      help: "Probes defined, by source (config or api).",
      labelNames: ["source"],
      registers: [registry],
    }),
  };
}
