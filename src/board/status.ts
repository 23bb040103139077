/**
 * The board's read model (DESIGN §4 `GET /api/v1/status`): each probe green/yellow/red, each SLO's
 * state, the policy pack, open incidents. Built in one pass from in-memory state — never a query
 * per probe (Uptime Kuma's board took minutes with 410 monitors for exactly that reason).
 */
import type { Severity } from "../config/index.js";
import type { PolicyState } from "../policy/index.js";
import type { ProbeEntry } from "../probes/index.js";
import type { AlertView, SloStateView } from "../rules/index.js";

export type ProbeColour = "green" | "yellow" | "red";

/** What the board knows of a probe's latest result. */
export interface LastResult {
  ts: number;
  ok: boolean;
  latencyMs?: number;
  status?: number;
  value?: number;
  error?: string;
}

export interface StatusInput {
  probes: readonly ProbeEntry[];
  last: (probe: string) => LastResult | undefined;
  alerts: readonly AlertView[];
  slos: readonly SloStateView[];
  policy: PolicyState;
  openIncidents: number;
}

const PAGING: ReadonlySet<Severity> = new Set(["page", "legal"]);

export function boardStatus(input: StatusInput) {
  const byProbe = new Map<string, AlertView[]>();
  for (const a of input.alerts) {
    if (a.probe === null) continue;
    const list = byProbe.get(a.probe);
    if (list) list.push(a);
    else byProbe.set(a.probe, [a]);
  }
  return {
    policy: {
      id: input.policy.id,
      approved: input.policy.approved,
      drift: input.policy.drift,
      ...(input.policy.error ? { error: input.policy.error } : {}),
    },
    probes: input.probes.map((p) => {
      const last = input.last(p.name);
      return {
        name: p.name,
        type: p.spec.type,
        labels: p.spec.labels,
        state: colour(byProbe.get(p.name) ?? [], last),
        last: last ? { ...last, ts: new Date(last.ts).toISOString() } : null,
      };
    }),
    slos: input.slos.map((s) => ({ ...s, since: new Date(s.since).toISOString() })),
    incidents: { open: input.openIncidents },
  };
}

/** red: a paging alert fires; yellow: something pending or a lesser alert firing, a failing or silent probe. */
function colour(alerts: readonly AlertView[], last: LastResult | undefined): ProbeColour {
  let yellow = false;
  for (const a of alerts) {
    if (a.state === "firing" && PAGING.has(a.severity)) return "red";
    if (a.state !== "ok") yellow = true;
  }
  if (yellow || !last || !last.ok) return "yellow";
  return "green";
}
