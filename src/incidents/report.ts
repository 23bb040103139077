/**
 * The machine-readable incident report (`GET /api/v1/incidents/:id/report`): the facts, the
 * binding agreement, the reporting deadlines and what was filed, the evidence and the whole
 * timeline, in one JSON document a regulator's system can ingest.
 */
import type { ReportingConfig, SloConfig } from "../config/index.js";
import { incidentUrl } from "./incident-id.js";
import type { IncidentDetail } from "./index.js";
import { deadlines, filedReports } from "./reporting.js";

export const REPORT_FORMAT = "hms-ops.incident-report/v1";

/** Whether the incident owes reports: a legal SLA always, other SLOs with `report: true`. */
export function isReportable(
  incident: { severity: string },
  slo: Pick<SloConfig, "report"> | undefined,
): boolean {
  return incident.severity === "legal" || slo?.report === true;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function incidentReport(
  d: IncidentDetail,
  o: { slo: SloConfig | undefined; reporting: ReportingConfig; baseUrl: string; now: number },
) {
  const reportable = isReportable(d, o.slo);
  const reports = filedReports(d.timeline);
  return {
    format: REPORT_FORMAT,
    generatedAt: iso(o.now),
    incident: {
      id: d.id,
      url: incidentUrl(o.baseUrl, d.id),
      title: d.title,
      summary: d.summary,
      slo: d.slo,
      probe: d.probe,
      severity: d.severity,
      state: d.state,
      labels: d.labels,
      policyId: d.policyId,
      identifiedAt: iso(d.openedAt),
      acknowledgedAt: iso(d.acknowledgedAt),
      acknowledgedBy: d.acknowledgedBy,
      resolvedAt: iso(d.resolvedAt),
      resolvedBy: d.resolvedBy,
      reopens: d.reopens,
    },
    agreement: o.slo?.legal ?? null,
    condition: o.slo?.when ?? null,
    reportable,
    deadlines: reportable
      ? deadlines(d, reports, o.reporting, o.now).map((x) => ({
          ...x,
          due: iso(x.due),
          filedAt: iso(x.filedAt),
        }))
      : [],
    reports: reports.map((r) => ({ ...r, at: iso(r.at) })),
    alerts: d.alerts.map((a) => ({ ...a, linkedAt: iso(a.linkedAt), resolvedAt: iso(a.resolvedAt) })),
    evidence: d.evidence.map((e) => ({ ...e, capturedAt: iso(e.capturedAt) })),
    timeline: d.timeline.map((e) => ({ ...e, at: iso(e.at) })),
  };
}
