/** Incident rows and their mapping; the only place that knows the column list. */
import type { Incident, IncidentState } from "./index.js";

export interface IncidentRow {
  id: string;
  slo: string;
  probe: string | null;
  alert_id: string;
  episode: number;
  severity: Incident["severity"];
  state: IncidentState;
  opened_at: number;
  resolved_at: number | null;
  policy_id: string | null;
  labels: string;
  title: string;
  summary: string;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_by: string | null;
  group_key: string | null;
  reopens: number;
}

export const COLUMNS =
  "i.id, i.slo, i.probe, i.alert_id, i.episode, i.severity, i.state, i.opened_at, i.resolved_at, " +
  "i.policy_id, i.labels, i.title, i.summary, i.acknowledged_at, i.acknowledged_by, i.resolved_by, " +
  "i.group_key, i.reopens";

const num = (v: number | null): number | null => (v === null ? null : Number(v));

export function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    slo: r.slo,
    probe: r.probe,
    alertId: r.alert_id,
    episode: Number(r.episode),
    severity: r.severity,
    state: r.state,
    openedAt: Number(r.opened_at),
    resolvedAt: num(r.resolved_at),
    policyId: r.policy_id,
    labels: JSON.parse(r.labels) as Record<string, string>,
    title: r.title,
    summary: r.summary,
    acknowledgedAt: num(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedBy: r.resolved_by,
    groupKey: r.group_key,
    reopens: Number(r.reopens),
  };
}
