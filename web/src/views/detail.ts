/** Probe and SLO detail: state, last result, labels, the SLOs on it, and charts over a range. */
import { ApiError, api } from "../api.js";
import { RANGES, seriesChart } from "../chart.js";
import { type Ctx, canRead, throttle } from "../context.js";
import { clear, fmtTime, h } from "../dom.js";
import type { ProbeTile, SloTile } from "../stream.js";
import { fmtValue, probeFigure, probeTile, sloTile } from "../tiles.js";

function kv(rows: [string, string | Node][]): HTMLElement {
  return h(
    "dl",
    { class: "kv" },
    rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );
}

function rangeButtons(onPick: (ms: number) => void, initial: number): HTMLElement {
  const box = h("div", { class: "ranges", role: "group", "aria-label": "Time range" });
  for (const r of RANGES) {
    box.append(
      h(
        "button",
        {
          type: "button",
          "aria-pressed": String(r.ms === initial),
          onclick: (e: Event) => {
            for (const b of box.querySelectorAll("button")) b.setAttribute("aria-pressed", "false");
            (e.currentTarget as HTMLElement).setAttribute("aria-pressed", "true");
            onPick(r.ms);
          },
        },
        r.label,
      ),
    );
  }
  return box;
}

const METRICS: Record<string, [string, string][]> = {
  http: [
    ["latency", "ms"],
    ["ok", "1 = up"],
  ],
  tcp: [
    ["latency", "ms"],
    ["ok", "1 = up"],
  ],
  heartbeat: [["ok", "1 = on time"]],
  push: [["value", ""]],
};

function charts(root: HTMLElement, ctx: Ctx, probe: string, metrics: [string, string][]): () => void {
  if (!canRead(ctx.viewer())) {
    root.append(h("p", { class: "muted" }, "Charts need a token with read scope (sign in)."));
    return () => {};
  }
  let range = RANGES[1]?.ms ?? 3_600_000;
  const boxes = metrics.map(() => h("div"));
  const cs = metrics.map(([m, unit], i) =>
    seriesChart(boxes[i] as HTMLElement, {
      metric: m,
      probe,
      title: unit ? `${m} (${unit})` : m,
      unit,
      rangeMs: range,
    }),
  );
  const err = h("p", { class: "msg err", hidden: true });
  const refresh = () =>
    Promise.all(cs.map((c) => c.refresh(range))).then(
      () => (err.hidden = true),
      (e: unknown) => {
        err.hidden = false;
        err.textContent = e instanceof Error ? e.message : String(e);
      },
    );
  root.append(
    rangeButtons((ms) => {
      range = ms;
      void refresh();
    }, range),
    err,
    ...boxes,
  );
  void refresh();
  // Up to 1 h the stream's samples extend the lines live; bucketed ranges refetch now and then.
  const unwatch = ctx.watchSamples([probe], (samples) => {
    for (const c of cs) c.append(samples);
  });
  const again = throttle(() => void refresh(), 5000);
  const off = ctx.model.onChange((c) => {
    if (range > 3_600_000 && (c.all || c.keys.includes(`p:${probe}`))) again();
  });
  return () => {
    off();
    unwatch();
    for (const c of cs) c.destroy();
  };
}

export function probeView(root: HTMLElement, ctx: Ctx, name: string): () => void {
  clear(root);
  const head = h("div");
  const phasesBox = h("div");
  const chartsBox = h("div");
  root.append(
    h("p", {}, h("a", { href: "/", "data-link": true }, "← Board")),
    h("h1", {}, `Probe ${name}`),
    head,
    phasesBox,
    chartsBox,
  );
  const draw = () => {
    const p = ctx.model.probes.get(name);
    clear(head);
    if (!p) {
      head.append(h("p", { class: "muted" }, ctx.model.loaded ? "No such probe on the board." : "Loading…"));
      return;
    }
    head.append(
      probeInfo(
        p,
        [...ctx.model.slos.values()].filter((s) => s.probe === name),
      ),
    );
  };
  // Charts wait for the board: which metrics to draw depends on the probe's type.
  let stop: (() => void) | null = null;
  const chartsOnce = () => {
    const type = ctx.model.probes.get(name)?.type;
    if (stop || !type) return;
    stop = charts(chartsBox, ctx, name, METRICS[type] ?? METRICS.http ?? []);
    if (type === "http") void loadPhases();
  };
  const loadPhases = async () => {
    if (!canRead(ctx.viewer())) return;
    try {
      const rows = await lastPhases(name);
      clear(phasesBox);
      phasesBox.append(phasesCard(rows));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  };
  const phasesAgain = throttle(() => void loadPhases(), 5000);
  draw();
  chartsOnce();
  const off = ctx.model.onChange((c) => {
    if (c.all || c.keys.includes(`p:${name}`) || c.keys.some((k) => k.startsWith("s:"))) draw();
    if (stop && ctx.model.probes.get(name)?.type === "http" && (c.all || c.keys.includes(`p:${name}`)))
      phasesAgain();
    chartsOnce();
  });
  return () => {
    off();
    stop?.();
  };
}

function probeInfo(p: ProbeTile, slos: SloTile[]): HTMLElement {
  const l = p.last;
  return h(
    "div",
    { class: "card" },
    h("div", { class: "tiles" }, probeTile(p), ...slos.map(sloTile)),
    kv([
      ["type", p.type],
      ["last result", l ? `${l.ok ? "ok" : "failed"} at ${fmtTime(l.ts)} — ${probeFigure(p)}` : "none yet"],
      ...(l?.status !== undefined ? ([["HTTP status", String(l.status)]] as [string, string][]) : []),
      [
        "labels",
        Object.entries(p.labels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(", ") || "—",
      ],
    ]),
  );
}

export function sloView(root: HTMLElement, ctx: Ctx, name: string): () => void {
  clear(root);
  const head = h("div");
  const alertsBox = h("div");
  const budgetBox = h("div");
  const chartsBox = h("div");
  root.append(
    h("p", {}, h("a", { href: "/", "data-link": true }, "← Board")),
    h("h1", {}, `SLO ${name}`),
    head,
    budgetBox,
    alertsBox,
    chartsBox,
  );
  const draw = () => {
    const s = ctx.model.slos.get(name);
    clear(head);
    if (!s) {
      head.append(h("p", { class: "muted" }, ctx.model.loaded ? "No such SLO on the board." : "Loading…"));
      return;
    }
    head.append(
      h(
        "div",
        { class: "card" },
        h("div", { class: "tiles" }, sloTile(s)),
        kv([
          ["state", `${s.state} since ${fmtTime(s.since)}`],
          ["value", fmtValue(s.value, s.unit ?? "")],
          ["severity", s.severity],
          [
            "probe",
            s.probe
              ? h("a", { href: `/probes/${encodeURIComponent(s.probe)}`, "data-link": true }, s.probe)
              : "—",
          ],
        ]),
      ),
    );
  };
  const loadAlerts = async () => {
    if (!canRead(ctx.viewer())) return;
    try {
      const { alerts } = await api<{
        alerts: {
          slo: string;
          state: string;
          value: number | null;
          unit: string;
          labels: Record<string, string>;
          since: string;
        }[];
      }>("/api/v1/alerts");
      clear(alertsBox);
      const mine = alerts.filter((a) => a.slo === name);
      alertsBox.append(
        h("h2", {}, "Alerts"),
        mine.length === 0
          ? h("p", { class: "muted" }, "No alert series yet.")
          : h(
              "table",
              {},
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  h("th", {}, "state"),
                  h("th", {}, "value"),
                  h("th", {}, "since"),
                  h("th", {}, "labels"),
                ),
              ),
              h(
                "tbody",
                {},
                mine.map((a) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, h("span", { class: `badge b-${a.state}` }, a.state)),
                    h("td", {}, fmtValue(a.value, a.unit)),
                    h("td", {}, fmtTime(a.since)),
                    h(
                      "td",
                      {},
                      Object.entries(a.labels)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(", "),
                    ),
                  ),
                ),
              ),
            ),
      );
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  };
  const loadBudget = async () => {
    if (!canRead(ctx.viewer())) return;
    try {
      const b = await api<Budget>(`/api/v1/slos/${encodeURIComponent(name)}/budget`);
      clear(budgetBox);
      budgetBox.append(budgetCard(b));
    } catch (e) {
      // 404: a threshold SLO, which has no error budget.
      if (!(e instanceof ApiError)) throw e;
    }
  };
  draw();
  void loadAlerts();
  void loadBudget();
  const again = throttle(() => {
    void loadAlerts();
    void loadBudget();
  }, 2000);
  let stop: (() => void) | null = null;
  const chartsOnce = () => {
    const probe = ctx.model.slos.get(name)?.probe;
    const type = probe ? ctx.model.probes.get(probe)?.type : undefined;
    if (stop || !probe || !type) return;
    stop = charts(chartsBox, ctx, probe, METRICS[type] ?? METRICS.http ?? []);
  };
  chartsOnce();
  const off = ctx.model.onChange((c) => {
    if (c.all || c.keys.includes(`s:${name}`)) {
      draw();
      again();
    }
    chartsOnce();
  });
  return () => {
    off();
    stop?.();
  };
}

interface Budget {
  objective: number;
  period: string;
  sli: number | null;
  good: number;
  total: number;
  bad: number;
  budgetRemaining: number;
  burnRates: Record<string, number | null>;
  windows: Record<string, string>;
  tiers: Record<string, { state: string; since: string; value: number | null; condition: string }>;
  asOf: string | null;
}

const pct = (x: number | null, digits = 3) => (x === null ? "—" : `${(x * 100).toFixed(digits)} %`);

/** An objective SLO's error budget: what is left, how fast it burns per window, each alert tier. */
function budgetCard(b: Budget): HTMLElement {
  const left = b.budgetRemaining;
  return h(
    "div",
    { class: "card", id: "budget" },
    h("h2", {}, "Error budget"),
    kv([
      ["objective", `${pct(b.objective)} over ${b.period}`],
      ["SLI", `${pct(b.sli)} (${b.good} good of ${b.total}; ${b.bad} bad)`],
      ["budget left", h("strong", {}, left < 0 ? `✕ overspent: ${pct(left, 1)}` : `${pct(left, 1)}`)],
      ["as of", fmtTime(b.asOf)],
    ]),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", {}, "window"), h("th", {}, "length"), h("th", {}, "burn rate"))),
      h(
        "tbody",
        {},
        Object.entries(b.burnRates).map(([w, rate]) =>
          h(
            "tr",
            {},
            h("td", {}, w),
            h("td", {}, b.windows[w] ?? ""),
            h("td", {}, rate === null ? "no events" : `${rate}×`),
          ),
        ),
      ),
    ),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", {}, "tier"), h("th", {}, "state"), h("th", {}, "condition"))),
      h(
        "tbody",
        {},
        Object.entries(b.tiers).map(([tier, t]) =>
          h(
            "tr",
            {},
            h("td", {}, tier),
            h("td", {}, h("span", { class: `badge b-${t.state}` }, t.state)),
            h("td", {}, t.condition),
          ),
        ),
      ),
    ),
  );
}

const PHASES: [string, string][] = [
  ["dns_ms", "DNS"],
  ["connect_ms", "connect"],
  ["tls_ms", "TLS"],
  ["first_byte_ms", "first byte"],
  ["latency", "total"],
];

interface PhaseRow {
  label: string;
  value: number | null;
  ts: number | null;
}

/** The latest point of each phase series of an http probe (the last 15 minutes). */
async function lastPhases(probe: string): Promise<PhaseRow[]> {
  const to = Date.now();
  const from = to - 15 * 60_000;
  return Promise.all(
    PHASES.map(async ([metric, label]) => {
      const q = new URLSearchParams({ metric, probe, from: String(from), to: String(to) });
      const { series } = await api<{ series: { points: { ts: number; value: number }[] }[] }>(
        `/api/v1/series?${q}`,
      );
      let last: { ts: number; value: number } | null = null;
      for (const s of series) {
        const p = s.points.at(-1);
        if (p && (!last || p.ts > last.ts)) last = p;
      }
      return { label, value: last?.value ?? null, ts: last?.ts ?? null };
    }),
  );
}

function phasesCard(rows: PhaseRow[]): HTMLElement {
  const latest = rows.find((r) => r.label === "total")?.ts ?? null;
  return h(
    "div",
    { class: "card", id: "phases" },
    h("h2", {}, "Last run, by phase"),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", {}, "phase"), h("th", {}, "ms"), h("th", {}, "note"))),
      h(
        "tbody",
        {},
        rows.map((r) =>
          h(
            "tr",
            {},
            h("td", {}, r.label),
            h("td", {}, r.value === null ? "—" : String(Math.round(r.value * 10) / 10)),
            h(
              "td",
              {},
              r.ts !== null && latest !== null && r.ts < latest
                ? `from the run at ${fmtTime(r.ts)} (later runs reused the connection or failed first)`
                : r.value === null
                  ? "not measured (plain http, or no run yet)"
                  : "",
            ),
          ),
        ),
      ),
    ),
  );
}
