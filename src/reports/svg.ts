/**
 * Inline SVG charts of the HTML report, drawn server-side (no script, no external asset, so the
 * page prints and archives as is): daily bars (error-budget burn for objective SLOs, breach
 * minutes for threshold SLOs) and a timeline of breaches and maintenance over the period.
 */
import { esc } from "./escape.js";
import type { SloFigures } from "./index.js";

const W = 680;
const H = 150;
const PAD = { left: 44, right: 8, top: 10, bottom: 22 };
const DAY = 86_400_000;

/** Objective SLOs: per day, bad/total over the budget share (1 = burning exactly the budget). */
export function burnOf(s: SloFigures): (number | null)[] {
  const allowed = 1 - (s.objective ?? 1);
  return s.daily.map((d) =>
    d.total && d.good !== null && allowed > 0 ? (d.total - d.good) / d.total / allowed : null,
  );
}

export function dailyChart(s: SloFigures): string {
  const objective = s.kind === "objective";
  const values = objective ? burnOf(s) : s.daily.map((d) => d.breachMs / 60_000);
  const unit = objective ? "× budget" : "min";
  const label = objective
    ? "Daily error-budget burn (1× = spending exactly the budget)"
    : "Daily minutes in breach";
  const known = values.filter((v): v is number => v !== null);
  if (objective && known.length === 0) return noData(label, "no event series for this SLO in the period");
  const top = niceMax(Math.max(objective ? 2 : 60, ...known));
  const n = Math.max(1, values.length);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / n;
  const barW = Math.max(1, slot * 0.8);
  const y = (v: number) => PAD.top + plotH - (Math.min(v, top) / top) * plotH;
  const bars = values
    .map((v, i) => {
      if (v === null) return "";
      const x = PAD.left + i * slot + (slot - barW) / 2;
      const h = Math.max(v > 0 ? 1 : 0, PAD.top + plotH - y(v));
      const bad = objective ? v > 1 : v > 0;
      const day = s.daily[i]?.day ?? "";
      return `<rect class="bar${bad ? " bad" : ""}" x="${f(x)}" y="${f(PAD.top + plotH - h)}" width="${f(barW)}" height="${f(h)}"><title>${esc(day)}: ${esc(round(v))} ${unit}</title></rect>`;
    })
    .join("");
  const ticks = [0, top / 2, top]
    .map(
      (v) =>
        `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y(v))}" y2="${f(y(v))}"/>` +
        `<text class="axis" x="${PAD.left - 4}" y="${f(y(v) + 3)}" text-anchor="end">${esc(round(v))}</text>`,
    )
    .join("");
  const budgetLine = objective
    ? `<line class="limit" x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y(1))}" y2="${f(y(1))}"/>`
    : "";
  return frame(label, `${ticks}${budgetLine}${bars}${dayLabels(s)}`, "daily");
}

/** Breaches (red) and maintenance (blue) across the period, with date ticks. */
export function timelineChart(s: SloFigures, from: number, to: number): string {
  const label = "Breaches (red) and maintenance (blue) over the period";
  const h = 64;
  const plotW = W - PAD.left - PAD.right;
  const x = (t: number) => PAD.left + ((t - from) / (to - from)) * plotW;
  const span = (a: string, b: string, cls: string, row: number, title: string) => {
    const x0 = x(Date.parse(a));
    const w = Math.max(1.5, x(Date.parse(b)) - x0);
    return `<rect class="${cls}" x="${f(x0)}" y="${row}" width="${f(w)}" height="14"><title>${esc(title)}</title></rect>`;
  };
  const rows =
    `<text class="axis" x="${PAD.left - 4}" y="18" text-anchor="end">breach</text>` +
    `<text class="axis" x="${PAD.left - 4}" y="38" text-anchor="end">maint.</text>` +
    `<rect class="track" x="${PAD.left}" y="8" width="${plotW}" height="14"/>` +
    `<rect class="track" x="${PAD.left}" y="28" width="${plotW}" height="14"/>`;
  const breaches = s.breaches.list
    .map((b) => span(b.from, b.to, "breach", 8, `${b.incidentId}: ${b.from} – ${b.to}`))
    .join("");
  const maintenance = s.maintenance
    .slice(0, 2000)
    .map((m) => span(m.from, m.to, "maint", 28, `${m.window}: ${m.from} – ${m.to}`))
    .join("");
  const ticks = dateTicks(from, to)
    .map(
      (t) =>
        `<line class="grid" x1="${f(x(t))}" x2="${f(x(t))}" y1="6" y2="44"/>` +
        `<text class="axis" x="${f(x(t))}" y="${h - 6}" text-anchor="middle">${esc(new Date(t).toISOString().slice(5, 10))}</text>`,
    )
    .join("");
  return frame(label, `${rows}${ticks}${breaches}${maintenance}`, "timeline", h);
}

function frame(label: string, body: string, kind: string, height = H): string {
  return (
    `<svg class="chart ${kind}" xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}">` +
    `<title>${esc(label)}</title>${body}</svg>` +
    `<p class="caption">${esc(label)}</p>`
  );
}

function noData(label: string, why: string): string {
  return frame(
    label,
    `<rect class="track" x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}"/>` +
      `<text class="axis" x="${W / 2}" y="${H / 2}" text-anchor="middle">${esc(why)}</text>`,
    "daily nodata",
  );
}

/** Day labels under the bars: every day up to 14 days, then every 7th. */
function dayLabels(s: SloFigures): string {
  const n = s.daily.length;
  const every = n <= 14 ? 1 : n <= 62 ? 7 : 30;
  const slot = (W - PAD.left - PAD.right) / Math.max(1, n);
  return s.daily
    .map((d, i) =>
      i % every === 0
        ? `<text class="axis" x="${f(PAD.left + i * slot + slot / 2)}" y="${H - 8}" text-anchor="middle">${esc(d.day.slice(5))}</text>`
        : "",
    )
    .join("");
}

function dateTicks(from: number, to: number): number[] {
  const days = (to - from) / DAY;
  const step = days <= 2 ? DAY / 4 : days <= 14 ? DAY : days <= 62 ? 7 * DAY : 30 * DAY;
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to && out.length < 40; t += step) out.push(t);
  return out;
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const f = (n: number) => (Math.round(n * 10) / 10).toString();
const round = (n: number) => (n >= 100 ? Math.round(n).toString() : (Math.round(n * 100) / 100).toString());
