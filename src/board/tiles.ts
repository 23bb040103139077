/**
 * The tiles the web board draws: the `GET /api/v1/status` read model plus what a glance needs and
 * the status contract does not carry: ⚡ (a run-book of this probe is active), 🔧 (an alert of this
 * probe is inside a maintenance window), and each SLO's probe, unit and labels so SLO tiles group
 * with their probe. Names of run-books and windows stay out: a public board shows this too.
 */
import type { BoardSnapshot } from "./feed.js";

type RunActivity = "queued" | "running" | "waiting_approval";

export interface TileAlert {
  slo: string;
  probe: string | null;
  labels: Readonly<Record<string, string>>;
  severity: string;
  unit: string;
}

export interface TileInputs {
  /** Active run-book runs (queued, running, waiting for approval) with the probe they act for. */
  runs: readonly { state: string; probe: string | null }[];
  alerts: readonly TileAlert[];
  /** Whether a maintenance window covers this alert now. */
  inMaintenance: (alert: TileAlert) => boolean;
}

interface ProbeRow {
  name: string;
  labels?: Readonly<Record<string, string>>;
  [key: string]: unknown;
}

const RANK: Record<RunActivity, number> = { queued: 1, running: 2, waiting_approval: 3 };

export function boardTiles(status: BoardSnapshot, inputs: TileInputs): BoardSnapshot {
  const runs = new Map<string, RunActivity>();
  for (const r of inputs.runs) {
    if (!r.probe || !(r.state in RANK)) continue;
    const state = r.state as RunActivity;
    const had = runs.get(r.probe);
    // The one needing a human shows first.
    if (!had || RANK[state] > RANK[had]) runs.set(r.probe, state);
  }
  const maintenance = new Set<string>();
  const sloInfo = new Map<string, TileAlert>();
  for (const a of inputs.alerts) {
    if (!sloInfo.has(a.slo)) sloInfo.set(a.slo, a);
    if (a.probe && !maintenance.has(a.probe) && inputs.inMaintenance(a)) maintenance.add(a.probe);
  }
  const probeLabels = new Map<string, Readonly<Record<string, string>>>();
  const probes = (status.probes as readonly ProbeRow[]).map((p) => {
    probeLabels.set(p.name, p.labels ?? {});
    const probeAsAlert: TileAlert = {
      slo: "",
      probe: p.name,
      labels: p.labels ?? {},
      severity: "",
      unit: "",
    };
    const inWindow = maintenance.has(p.name) || inputs.inMaintenance(probeAsAlert);
    return { ...p, runbook: runs.get(p.name) ?? null, maintenance: inWindow };
  });
  const slos = (status.slos as readonly ProbeRow[]).map((s) => {
    const a = sloInfo.get(s.name);
    const probe = a?.probe ?? null;
    return {
      ...s,
      probe,
      unit: a?.unit ?? "",
      labels: (probe ? probeLabels.get(probe) : undefined) ?? a?.labels ?? {},
      runbook: probe ? (runs.get(probe) ?? null) : null,
      maintenance: probe ? maintenance.has(probe) : false,
    };
  });
  return { ...status, probes, slos };
}

/**
 * What an anonymous viewer of a public board gets: the same tiles without probe error texts,
 * which name internal hosts, ports and addresses ("connect ECONNREFUSED 10.0.4.2:5432"). Works on
 * a snapshot and on a delta alike (both carry `probes`).
 */
export function publicTiles<T extends { probes: readonly unknown[] }>(board: T): T {
  return {
    ...board,
    probes: board.probes.map((p) => {
      const last = (p as { last?: { error?: unknown } | null }).last;
      if (!last || last.error === undefined) return p;
      const { error: _hidden, ...rest } = last;
      return { ...(p as object), last: rest };
    }),
  };
}
