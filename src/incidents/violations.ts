/**
 * Legal violations (issue: compliance siren): every episode of a `legal` SLO that fires is one
 * violation of a binding agreement, counted per SLO and per period for the Inspector General.
 * Recorded in the engine's transaction, so a restart neither loses nor double-counts one.
 */
import type { SqlExecutor, Tx } from "../store/index.js";

export interface Violation {
  slo: string;
  alertId: string;
  episode: number;
  incidentId: string;
  /** When it fired (epoch ms). */
  at: number;
  labels: Record<string, string>;
}

export type ViolationPeriod = "day" | "month" | "year";

export interface ViolationQuery {
  slo?: string;
  from?: number;
  to?: number;
  /** Default 10,000. */
  limit?: number;
}

export async function recordViolation(tx: Tx, v: Violation): Promise<boolean> {
  const { changes } = await tx.run(
    `INSERT INTO legal_violations (alert_id, episode, slo, incident_id, at, labels) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (alert_id, episode) DO NOTHING`,
    [v.alertId, v.episode, v.slo, v.incidentId, v.at, JSON.stringify(v.labels)],
  );
  return changes === 1;
}

export async function listViolations(db: SqlExecutor, q: ViolationQuery = {}): Promise<Violation[]> {
  const where = ["at >= ?", "at < ?"];
  const params: (string | number)[] = [q.from ?? 0, q.to ?? Number.MAX_SAFE_INTEGER];
  if (q.slo) {
    where.push("slo = ?");
    params.push(q.slo);
  }
  const rows = await db.all<{
    slo: string;
    alert_id: string;
    episode: number;
    incident_id: string;
    at: number;
    labels: string;
  }>(
    `SELECT slo, alert_id, episode, incident_id, at, labels FROM legal_violations WHERE ${where.join(" AND ")}
     ORDER BY at, alert_id LIMIT ?`,
    [...params, Math.min(Math.max(1, q.limit ?? 10_000), 100_000)],
  );
  return rows.map((r) => ({
    slo: r.slo,
    alertId: r.alert_id,
    episode: Number(r.episode),
    incidentId: r.incident_id,
    at: Number(r.at),
    labels: JSON.parse(r.labels) as Record<string, string>,
  }));
}

/** Counts per SLO and per calendar period (UTC): `[{slo, period: "2026-11", count}]`, oldest first. */
export function violationCounts(
  violations: readonly Violation[],
  period: ViolationPeriod = "month",
): { slo: string; period: string; count: number }[] {
  const counts = new Map<string, { slo: string; period: string; count: number }>();
  const width = period === "day" ? 10 : period === "month" ? 7 : 4;
  for (const v of violations) {
    const p = new Date(v.at).toISOString().slice(0, width);
    const key = `${v.slo}\n${p}`;
    const c = counts.get(key);
    if (c) c.count++;
    else counts.set(key, { slo: v.slo, period: p, count: 1 });
  }
  return [...counts.values()].sort((a, b) => a.period.localeCompare(b.period) || a.slo.localeCompare(b.slo));
}
