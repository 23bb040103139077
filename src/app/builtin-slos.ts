/**
 * SLOs HMS-OPS adds to ops.yml by itself, so its own obligations alert through the same pipeline
 * as everything else (sirens, incidents, silences): a missed incident-reporting deadline, and an
 * audit trail that failed its periodic verification (`audit_ok`, fed by the checkpointer).
 * Memoized per config object, so views keyed on the config (dispatch) stay stable.
 */
import type { OpsConfig, SloConfig } from "../config/index.js";

export const REPORTING_SLO = "incident_reporting";
export const AUDIT_SLO = "audit_trail_intact";
export const REPORT_OVERDUE_METRIC = "incident_report_overdue";

const cache = new WeakMap<OpsConfig, OpsConfig>();

export function withBuiltins(config: OpsConfig): OpsConfig {
  let out = cache.get(config);
  if (!out) {
    const taken = new Set(config.slos.map((s) => s.name));
    const extra = builtinSlos(config).filter((s) => !taken.has(s.name));
    out = extra.length ? { ...config, slos: [...config.slos, ...extra] } : config;
    cache.set(config, out);
  }
  return out;
}

function builtinSlos(config: OpsConfig): SloConfig[] {
  const reporting = config.server.incidents.reporting;
  return [
    {
      name: REPORTING_SLO,
      when: `${REPORT_OVERDUE_METRIC} > 0`,
      no_data: "keep",
      severity: reporting.severity,
      ...(reporting.siren ? { siren: reporting.siren } : {}),
      labels: {},
      description: "An incident reporting deadline (initial notice, daily update, final report) was missed",
    },
    {
      name: AUDIT_SLO,
      when: "audit_ok == 0",
      no_data: "keep",
      severity: "page",
      labels: {},
      description:
        "The audit trail failed verification (an edited, deleted or reordered entry, or a bad checkpoint)",
    },
  ];
}
