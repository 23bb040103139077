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
      title: `${m} (${unit || "value"})`,
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
  const again = throttle(() => void refresh(), 5000);
  const off = ctx.model.onChange((c) => {
    if (c.all || c.keys.includes(`p:${probe}`)) again();
  });
  return () => {
    off();
    for (const c of cs) c.destroy();
  };
}

export function probeView(root: HTMLElement, ctx: Ctx, name: string): () => void {
  clear(root);
  const head = h("div");
  const chartsBox = h("div");
  root.append(
    h("p", {}, h("a", { href: "/", "data-link": true }, "← Board")),
    h("h1", {}, `Probe ${name}`),
    head,
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
  draw();
  const off = ctx.model.onChange((c) => {
    if (c.all || c.keys.includes(`p:${name}`) || c.keys.some((k) => k.startsWith("s:"))) draw();
  });
  const type = ctx.model.probes.get(name)?.type ?? "http";
  const stop = charts(chartsBox, ctx, name, METRICS[type] ?? METRICS.http ?? []);
  return () => {
    off();
    stop();
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
  const chartsBox = h("div");
  root.append(
    h("p", {}, h("a", { href: "/", "data-link": true }, "← Board")),
    h("h1", {}, `SLO ${name}`),
    head,
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
  draw();
  void loadAlerts();
  const again = throttle(() => void loadAlerts(), 2000);
  const off = ctx.model.onChange((c) => {
    if (c.all || c.keys.includes(`s:${name}`)) {
      draw();
      again();
    }
  });
  const s = ctx.model.slos.get(name);
  const probe = s?.probe;
  const type = probe ? ctx.model.probes.get(probe)?.type : undefined;
  const stop = probe ? charts(chartsBox, ctx, probe, METRICS[type ?? "http"] ?? []) : () => {};
  return () => {
    off();
    stop();
  };
}
