/**
 * The report as CSV (RFC 4180: CRLF line ends, fields with `"` `,` CR or LF quoted, quotes
 * doubled): one row per SLO, the same figures as the JSON. Numbers are written as JSON writes them
 * (shortest round-trip form), so a spreadsheet reads back exactly the JSON's values. Text that a
 * spreadsheet would run as a formula (leading = + - @ tab CR) gets a leading apostrophe.
 */
import type { SlaReport, SloFigures } from "./index.js";

type Cell = string | number | boolean | null;

/** Column name and how to read it off an SLO's figures (docs/sla-report.md documents each). */
export const CSV_COLUMNS: readonly [string, (s: SloFigures, r: SlaReport) => Cell][] = [
  ["period_from", (_s, r) => r.from],
  ["period_to", (_s, r) => r.to],
  ["slo", (s) => text(s.name)],
  ["kind", (s) => s.kind],
  ["severity", (s) => s.severity],
  ["probe", (s) => text(s.probe)],
  ["objective", (s) => s.objective],
  ["condition", (s) => text(s.condition)],
  ["achieved", (s) => s.achieved],
  ["met", (s) => s.met],
  ["events_good", (s) => s.events?.good ?? null],
  ["events_total", (s) => s.events?.total ?? null],
  ["budget_used", (s) => s.budgetUsed],
  ["breaches", (s) => s.breaches.count],
  ["breach_duration_ms", (s) => s.breaches.durationMs],
  ["breach_time_ms", (s) => s.breachTimeMs],
  ["breach_incidents", (s) => s.breaches.list.map((b) => b.incidentId).join(" ")],
  ["legal_violations", (s) => s.violations.length],
  ["violation_incidents", (s) => s.violations.map((v) => v.incidentId).join(" ")],
  ["counsel_in_time", (s) => s.violations.filter((v) => v.counsel.status === "in_time").length],
  ["counsel_late", (s) => s.violations.filter((v) => v.counsel.status === "late").length],
  ["counsel_not_notified", (s) => s.violations.filter((v) => v.counsel.status === "not_notified").length],
  ["counsel", (s) => text(s.violations.map((v) => `${v.incidentId}: ${v.counsel.text}`).join("; "))],
  ["maintenance_ms", (s) => s.maintenanceMs],
  ["sla", (s) => text(s.agreement?.sla ?? null)],
  ["statute", (s) => text(s.agreement?.statute ?? null)],
  ["note", (s) => text(s.note)],
];

export function reportCsv(report: SlaReport): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(",")];
  for (const s of report.slos) lines.push(CSV_COLUMNS.map(([, get]) => field(get(s, report))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

function field(v: Cell): string {
  if (v === null) return "";
  const s = typeof v === "string" ? v : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Free text from config or labels: defused against spreadsheet formula injection. */
function text(v: string | null): string | null {
  if (v === null) return null;
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}
