/**
 * The built-in SLOs that exist whenever `policy` is configured. They read the samples the watcher
 * appends (samples.ts), so drift and an unhealthy source go through the same rule engine, dispatch,
 * silences and sirens as any other SLO. An SLO of the same name in ops.yml replaces the built-in.
 */

import { formatDuration } from "../config/duration.js";
import type { OpsConfig, PolicyAlertConfig, Severity, SloConfig } from "../config/index.js";
import { DRIFT_METRIC, SOURCE_UP_METRIC } from "./samples.js";

export const DRIFT_SLO = "policy_drift";
export const SOURCE_DOWN_SLO = "policy_source_down";
const DEFAULT_SEVERITY: Severity = "warning";

function slo(
  name: string,
  when: string,
  alert: PolicyAlertConfig | undefined,
  description: string,
): SloConfig {
  return {
    name,
    when,
    // A keep-alive sample arrives at least every minute (monitor.ts); should one be late, the
    // alert keeps its state rather than resolving on silence.
    no_data: "keep",
    severity: alert?.severity ?? DEFAULT_SEVERITY,
    ...(alert?.siren !== undefined ? { siren: alert.siren } : {}),
    labels: { source: "policy" },
    description,
  };
}

/** The built-in policy SLOs of `config`: none without `policy`. */
export function policySlos(config: Pick<OpsConfig, "policy" | "slos">): SloConfig[] {
  const policy = config.policy;
  if (!policy) return [];
  const taken = new Set(config.slos.map((s) => s.name));
  const builtIn = [
    slo(DRIFT_SLO, `${DRIFT_METRIC} == 1`, policy.drift, "The live policy pack differs from policy.approved"),
    slo(
      SOURCE_DOWN_SLO,
      `${SOURCE_UP_METRIC} == 0 for ${formatDuration(2 * policy.interval)}`,
      policy.source_down,
      "policy.source is down, times out or answers something other than JSON with a string id",
    ),
  ];
  return builtIn.filter((s) => !taken.has(s.name));
}

const extended = new WeakMap<object, object>();

/**
 * `config` with the built-in policy SLOs appended; the same object when there are none. Memoized
 * per config object: callers read the config per event and compare it by identity.
 */
export function withPolicySlos<C extends Pick<OpsConfig, "policy" | "slos">>(config: C): C {
  const known = extended.get(config);
  if (known) return known as C;
  const extra = policySlos(config);
  const out = extra.length === 0 ? config : { ...config, slos: [...config.slos, ...extra] };
  extended.set(config, out);
  return out;
}
