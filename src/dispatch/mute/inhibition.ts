/**
 * Inhibition (issue 4 item 6): while a probe is down, its latency alerts are noise. An SLO whose
 * condition is on the probe's `ok` metric firing mutes every alert of the SLOs whose condition is on
 * that probe's `latency`. The mute lasts as long as the `ok` alert fires, so it has no `until`.
 */
import type { SloConfig } from "../../config/index.js";
import { parseCondition } from "../../rules/index.js";
import type { Muter } from "./index.js";

/** An alert as the rule engine reports it now (only these fields are read). */
export interface LiveAlert {
  alertId: string;
  slo: string;
  probe: string | null;
  state: string;
}

export interface InhibitionOptions {
  /** The live config's SLOs (their conditions say which metric each watches). */
  slos: () => readonly SloConfig[];
  /** The rule engine's current alerts: a plain function, so this never holds the engine. */
  alerts: () => Iterable<LiveAlert>;
}

interface Roles {
  /** SLO name → the probe it watches `ok` of. */
  down: Map<string, string>;
  /** SLO names whose condition is on `latency`. */
  latency: Set<string>;
  /** Probes that have at least one `ok` SLO (only their latency alerts need a look). */
  probes: Set<string>;
}

const rolesCache = new WeakMap<readonly SloConfig[], Roles>();

function rolesOf(slos: readonly SloConfig[]): Roles {
  let roles = rolesCache.get(slos);
  if (roles) return roles;
  roles = { down: new Map(), latency: new Set(), probes: new Set() };
  for (const slo of slos) {
    const metric = metricOf(slo);
    if (metric === "ok" && slo.probe) {
      roles.down.set(slo.name, slo.probe);
      roles.probes.add(slo.probe);
    } else if (metric === "latency") {
      roles.latency.add(slo.name);
    }
  }
  rolesCache.set(slos, roles);
  return roles;
}

function metricOf(slo: SloConfig): string | undefined {
  if (!slo.when) return undefined;
  try {
    return parseCondition(slo.when).expr.metric;
  } catch {
    return undefined; // the config check already refused it; an unparsable rule mutes nothing
  }
}

export function inhibitionSource(o: InhibitionOptions): Muter {
  return {
    mutedBy(alert, _now, batch) {
      const probe = alert.probe;
      if (probe === null) return null;
      const roles = rolesOf(o.slos());
      if (!roles.latency.has(alert.slo) || !roles.probes.has(probe)) return null;
      const isDown = (slo: string, p: string | null) => p === probe && roles.down.get(slo) === probe;
      // This batch's transitions are newer than the engine's published states.
      const decided = new Map<string, { slo: string; firing: boolean }>();
      for (const e of batch ?? []) {
        if (isDown(e.slo, e.probe) && (e.kind === "firing" || e.kind === "resolved")) {
          decided.set(e.alertId, { slo: e.slo, firing: e.kind === "firing" });
        }
      }
      for (const d of decided.values()) if (d.firing) return reason(d.slo);
      for (const a of o.alerts()) {
        if (a.state !== "firing" || !isDown(a.slo, a.probe) || decided.has(a.alertId)) continue;
        return reason(a.slo);
      }
      return null;
    },
  };
}

const reason = (slo: string) => ({
  kind: "inhibition" as const,
  name: slo,
  comment: `probe is down: ${slo} is firing`,
});
