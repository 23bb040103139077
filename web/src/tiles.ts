/**
 * One tile per probe and SLO. State is never colour alone: each tile carries an icon and a word
 * (✓ OK, ▲ WARN / PENDING, ✕ FIRING) and an aria-label that reads the whole tile.
 */
import { h } from "./dom.js";
import type { ProbeTile, SloTile } from "./stream.js";

type Colour = "green" | "yellow" | "red";

const PROBE_WORD: Record<Colour, string> = { green: "✓ OK", yellow: "▲ WARN", red: "✕ FIRING" };
const SLO_COLOUR: Record<SloTile["state"], Colour> = { ok: "green", pending: "yellow", firing: "red" };
const SLO_WORD: Record<SloTile["state"], string> = { ok: "✓ OK", pending: "▲ PENDING", firing: "✕ FIRING" };

const RUN_LABEL: Record<string, string> = {
  queued: "run-book queued",
  running: "run-book running",
  waiting_approval: "run-book waiting for approval",
};

export function fmtValue(v: number | null | undefined, unit = ""): string {
  if (v === null || v === undefined) return "no data";
  const n = Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100;
  return unit ? `${n} ${unit}` : String(n);
}

export function probeFigure(p: ProbeTile): string {
  const l = p.last;
  if (!l) return "no result yet";
  if (!l.ok) return l.error ? l.error.slice(0, 60) : l.status !== undefined ? `HTTP ${l.status}` : "failing";
  if (l.latencyMs !== undefined) return `${Math.round(l.latencyMs)} ms`;
  if (l.value !== undefined) return fmtValue(l.value);
  return "ok";
}

function flags(runbook: string | null | undefined, maintenance: boolean | undefined): HTMLElement {
  const el = h("span", { class: "flags" });
  if (runbook)
    el.append(
      h(
        "span",
        {
          title: RUN_LABEL[runbook] ?? "run-book active",
          role: "img",
          "aria-label": RUN_LABEL[runbook] ?? "run-book active",
        },
        "⚡",
      ),
    );
  if (maintenance)
    el.append(h("span", { title: "in maintenance", role: "img", "aria-label": "in maintenance" }, "🔧"));
  return el;
}

export function probeTile(p: ProbeTile): HTMLAnchorElement {
  const figure = probeFigure(p);
  const word = PROBE_WORD[p.state];
  return h(
    "a",
    {
      class: `tile s-${p.state}`,
      href: `/probes/${encodeURIComponent(p.name)}`,
      "data-link": true,
      "data-state": p.state,
      "data-tile": `p:${p.name}`,
      "aria-label": `${p.name}, ${p.type} probe, ${word.slice(2)}, ${figure}${p.runbook ? `, ${RUN_LABEL[p.runbook] ?? "run-book active"}` : ""}${p.maintenance ? ", in maintenance" : ""}`,
    },
    h("div", { class: "name" }, p.name),
    h("div", { class: "line" }, h("span", { class: "state" }, word), flags(p.runbook, p.maintenance)),
    h("div", { class: "line" }, h("span", { class: "fig" }, figure), h("span", { class: "kind" }, p.type)),
  );
}

export function sloTile(s: SloTile): HTMLAnchorElement {
  const colour = SLO_COLOUR[s.state];
  const figure = fmtValue(s.value, s.unit ?? "");
  const word = SLO_WORD[s.state];
  return h(
    "a",
    {
      class: `tile s-${colour}`,
      href: `/slos/${encodeURIComponent(s.name)}`,
      "data-link": true,
      "data-state": colour,
      "data-tile": `s:${s.name}`,
      "aria-label": `SLO ${s.name}, ${word.slice(2)}, ${figure}, severity ${s.severity}${s.runbook ? `, ${RUN_LABEL[s.runbook] ?? "run-book active"}` : ""}${s.maintenance ? ", in maintenance" : ""}`,
    },
    h("div", { class: "name" }, s.name),
    h("div", { class: "line" }, h("span", { class: "state" }, word), flags(s.runbook, s.maintenance)),
    h(
      "div",
      { class: "line" },
      h("span", { class: "fig" }, figure),
      h("span", { class: "kind" }, `SLO · ${s.severity}`),
    ),
  );
}

export const sloColour = (s: SloTile): Colour => SLO_COLOUR[s.state];
