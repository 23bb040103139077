/**
 * Injection safety (issue 5 §4): everything a step may know about its trigger — labels, probe and
 * SLO names, the measured value — reaches it as environment variables, never pasted into a command
 * string. Names are fixed; values are passed through untouched (a label `; rm -rf /` is just text).
 */
import type { RunStep } from "../config/index.js";
import type { Run } from "./types.js";

export const LABEL_PREFIX = "HMS_OPS_LABEL_";

/** `HMS_OPS_LABEL_<NAME>`: the label name upper-cased, anything but A–Z, 0–9 and _ turned into _. */
export function labelVar(name: string): string {
  return LABEL_PREFIX + name.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
}

export function triggerEnv(run: Run): Record<string, string> {
  const c = run.context;
  const env: Record<string, string> = {
    HMS_OPS_RUN_ID: run.id,
    HMS_OPS_RUNBOOK: run.runbook,
    HMS_OPS_TRIGGER: run.trigger,
    HMS_OPS_TRIGGERED_BY: run.triggeredBy,
    HMS_OPS_LABELS: JSON.stringify(c.labels),
  };
  const optional: Record<string, string | number | null | undefined> = {
    HMS_OPS_SLO: c.slo,
    HMS_OPS_PROBE: c.probe,
    HMS_OPS_VALUE: c.value,
    HMS_OPS_UNIT: c.unit || undefined,
    HMS_OPS_SEVERITY: c.severity,
    HMS_OPS_CONDITION: c.condition,
    HMS_OPS_INCIDENT: run.incidentId,
    HMS_OPS_INCIDENT_URL: c.incidentUrl,
    HMS_OPS_REASON: c.reason,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== null && v !== undefined) env[k] = String(v);
  for (const [k, v] of Object.entries(c.labels)) env[labelVar(k)] = v;
  if (run.dryRun) env.HMS_OPS_DRY_RUN = "1";
  return env;
}

/** Trigger data, then the run-book's `env`, the step's `env`, then its named secrets (last wins). */
export function stepEnv(
  run: Run,
  step: Partial<Pick<RunStep, "env">>,
  secrets: Readonly<Record<string, string>>,
): Record<string, string> {
  return { ...triggerEnv(run), ...run.spec.env, ...step.env, ...secrets };
}
