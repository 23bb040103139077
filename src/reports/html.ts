/**
 * The report as one printable HTML page a compliance officer can hand over as is: title, agency
 * and period, a summary, a table of every SLO, then one section per SLO with its charts (inline
 * SVG), legal violations and maintenance. No script and no external asset (the CSP in the page
 * says so too); every config- or label-derived string is escaped.
 */
import { esc } from "./escape.js";
import type { SlaReport, SloFigures } from "./index.js";
import { dailyChart, timelineChart } from "./svg.js";

const STYLE = `
*{box-sizing:border-box}
body{font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#111;margin:24px auto;max-width:960px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 6px}h3{font-size:13px;margin:12px 0 4px}
.meta{color:#444;margin:0 0 16px}.meta b{color:#111}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#0a6b2d;font-weight:600}.bad{color:#b00020;font-weight:600}.na{color:#666}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:8px;margin:8px 0 16px}
.card{border:1px solid #ccc;border-radius:4px;padding:6px 8px}.card b{display:block;font-size:18px}
section.slo{border-top:2px solid #333;padding-top:10px;margin-top:18px;break-inside:avoid;page-break-inside:avoid}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0 8px}dt{color:#444}dd{margin:0}
svg.chart{display:block;max-width:100%;height:auto;background:#fff}
svg .bar{fill:#3b6fb6}svg .bar.bad{fill:#c62828}svg .grid{stroke:#e3e3e3;stroke-width:1}
svg .limit{stroke:#c62828;stroke-dasharray:4 3;stroke-width:1.2}svg .axis{font-size:10px;fill:#555}
svg .track{fill:#f3f3f3}svg .breach{fill:#c62828}svg .maint{fill:#5b8fd6}
p.caption{color:#555;font-size:11px;margin:2px 0 10px}
footer{margin-top:24px;color:#666;font-size:11px;border-top:1px solid #ccc;padding-top:6px}
@page{size:A4;margin:14mm}
@media print{body{margin:0;max-width:none;padding:0;-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:inherit;text-decoration:none}}
`;

export function reportHtml(r: SlaReport): string {
  const from = Date.parse(r.from);
  const to = Date.parse(r.to);
  const title = `SLA compliance report${r.agency ? ` — ${r.agency}` : ""}`;
  const t = r.totals;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} (${esc(day(r.from))} – ${esc(day(r.to))})</title>
<style>${STYLE}</style></head><body>
<header><h1>${esc(title)}</h1>
<p class="meta">Agency: <b>${esc(r.agency ?? "—")}</b> · Period: <b>${esc(stamp(r.from))}</b> to <b>${esc(stamp(r.to))}</b> (${esc(duration(r.periodMs))}) · Generated ${esc(stamp(r.generatedAt))}</p></header>
<h2>Summary</h2>
<div class="cards">
${card("SLOs met", `${t.met} / ${t.slos}`, t.notMet ? `${t.notMet} not met, ${t.unmeasured} unmeasured` : `${t.unmeasured} unmeasured`)}
${card("Breaches", String(t.breaches), `${duration(t.breachDurationMs)} in total`)}
${card("Legal violations", String(t.violations), `counsel: ${t.counselInTime} in time, ${t.counselLate} late, ${t.counselNotNotified} not notified`)}
${card("Time in maintenance", duration(t.maintenanceMs), "summed over SLOs")}
</div>
<table class="summary"><thead><tr><th>SLO</th><th>Objective</th><th>Achieved</th><th>Met</th><th>Budget used</th><th>Breaches</th><th>In breach</th><th>Legal violations</th><th>Maintenance</th></tr></thead><tbody>
${r.slos.map((s, i) => summaryRow(s, i)).join("\n")}
</tbody></table>
${r.slos.map((s, i) => section(s, i, from, to)).join("\n")}
<footer>${esc(r.format)} · Figures: docs/sla-report.md · Achieved for objective SLOs is good/total events; for threshold SLOs the share of the period not in breach.</footer>
</body></html>
`;
}

function card(label: string, value: string, sub: string): string {
  return `<div class="card">${esc(label)}<b>${esc(value)}</b><span class="na">${esc(sub)}</span></div>`;
}

function summaryRow(s: SloFigures, i: number): string {
  return `<tr><td><a href="#slo-${i}">${esc(s.name)}</a></td><td>${esc(objectiveText(s))}</td><td class="num">${esc(pct(s.achieved))}</td><td>${met(s.met)}</td><td class="num">${esc(s.budgetUsed === null ? "—" : pct(s.budgetUsed, 1))}</td><td class="num">${s.breaches.count}</td><td class="num">${esc(duration(s.breaches.durationMs))}</td><td class="num">${s.violations.length}</td><td class="num">${esc(duration(s.maintenanceMs))}</td></tr>`;
}

function section(s: SloFigures, i: number, from: number, to: number): string {
  const labels = Object.entries(s.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  const facts: [string, string][] = [
    ["Kind", s.kind === "objective" ? "objective (good events / all events)" : "threshold condition"],
    ["Objective", objectiveText(s)],
    ["Achieved", pct(s.achieved)],
    ["Severity", s.severity],
  ];
  if (s.kind === "objective") {
    facts.push(["Good condition", s.condition]);
    facts.push(["Events", s.events ? `${num(s.events.good)} good of ${num(s.events.total)}` : "—"]);
    facts.push(["Error budget used", s.budgetUsed === null ? "—" : pct(s.budgetUsed, 1)]);
  }
  if (s.probe) facts.push(["Probe", s.probe]);
  if (labels) facts.push(["Labels", labels]);
  if (s.agreement) {
    facts.push(["Agreement (SLA)", s.agreement.sla]);
    if (s.agreement.statute) facts.push(["Statute", s.agreement.statute]);
  }
  facts.push([
    "Breaches",
    `${s.breaches.count} (${duration(s.breaches.durationMs)}; alerts firing ${duration(s.breachTimeMs)})`,
  ]);
  facts.push(["Time in maintenance", duration(s.maintenanceMs)]);
  if (s.note) facts.push(["Note", s.note]);
  return `<section class="slo" id="slo-${i}">
<h2>${esc(s.name)} ${met(s.met)}</h2>
${s.description ? `<p>${esc(s.description)}</p>` : ""}
<dl>${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>
${dailyChart(s)}
${timelineChart(s, from, to)}
${violationsTable(s)}
${breachesTable(s)}
</section>`;
}

function violationsTable(s: SloFigures): string {
  if (s.violations.length === 0)
    return s.agreement ? "<h3>Legal violations</h3><p>None in the period.</p>" : "";
  const rows = s.violations
    .map((v) => {
      const cls = v.counsel.status === "in_time" ? "ok" : v.counsel.status === "pending" ? "na" : "bad";
      return `<tr><td>${esc(v.incidentId)}</td><td>${esc(stamp(v.at))}</td><td class="${cls}">${esc(v.counsel.text)}</td><td>${esc(v.counsel.receiver ?? "—")}</td></tr>`;
    })
    .join("");
  const deadline = s.violations[0]?.counsel.deadlineMinutes;
  return `<h3>Legal violations (counsel to be notified within ${esc(deadline)} min)</h3>
<table><thead><tr><th>Incident</th><th>Fired</th><th>Counsel notified</th><th>Receiver</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function breachesTable(s: SloFigures): string {
  if (s.breaches.list.length === 0) return "";
  const shown = s.breaches.list.slice(0, 50);
  const rows = shown
    .map(
      (b) =>
        `<tr><td>${esc(b.incidentId)}</td><td>${esc(stamp(b.from))}</td><td>${esc(b.open ? "(still open)" : stamp(b.to))}</td><td class="num">${esc(duration(Date.parse(b.to) - Date.parse(b.from)))}</td></tr>`,
    )
    .join("");
  const more = s.breaches.list.length - shown.length;
  return `<h3>Breaches</h3><table><thead><tr><th>Incident</th><th>From</th><th>To</th><th>Duration</th></tr></thead><tbody>${rows}</tbody></table>${more > 0 ? `<p class="na">… and ${more} more (see the JSON or CSV).</p>` : ""}`;
}

function objectiveText(s: SloFigures): string {
  return s.objective !== null ? pct(s.objective) : `never: ${s.condition}`;
}

function met(v: boolean | null): string {
  return v === null
    ? '<span class="na">unmeasured</span>'
    : v
      ? '<span class="ok">met</span>'
      : '<span class="bad">not met</span>';
}

/** Percent with enough digits to tell 99.9 % from 99.95 %; ratios over 1 (budget overspent) stay readable. */
function pct(v: number | null, digits = 3): string {
  if (v === null) return "—";
  const p = v * 100;
  return `${Number.parseFloat(p.toFixed(digits))} %`;
}

function num(n: number): string {
  return n.toLocaleString("en-US");
}

/** "2 d 3 h", "45 min", "12 s", "0". */
export function duration(ms: number): string {
  if (ms <= 0) return "0";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ""}`;
  return `${Math.floor(h / 24)} d${h % 24 ? ` ${h % 24} h` : ""}`;
}

const stamp = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;
const day = (iso: string) => iso.slice(0, 10);
