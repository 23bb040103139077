/** A uPlot line chart of one metric of one probe over a selectable range, from /api/v1/series. */
import uPlot from "uplot";
import { api } from "./api.js";
import { clear, h } from "./dom.js";
import type { LiveSample } from "./stream.js";

interface SeriesReply {
  series: { labels: Record<string, string>; points: { ts: number; value: number }[] }[];
}

export const RANGES: { label: string; ms: number }[] = [
  { label: "15 min", ms: 15 * 60_000 },
  { label: "1 h", ms: 3_600_000 },
  { label: "6 h", ms: 6 * 3_600_000 },
  { label: "24 h", ms: 24 * 3_600_000 },
  { label: "7 d", ms: 7 * 24 * 3_600_000 },
];

/** Draws into `box`; returns a refresh function (same range) and a destroy function. */
export function seriesChart(
  box: HTMLElement,
  opts: { metric: string; probe: string; title: string; unit: string; rangeMs: number },
): { refresh(rangeMs?: number): Promise<void>; append(samples: LiveSample[]): void; destroy(): void } {
  let plot: uPlot | null = null;
  let rangeMs = opts.rangeMs;
  /** What the plot shows: x in seconds, one column per series (keyed by its labels). */
  let xs: number[] = [];
  let ys: (number | null)[][] = [];
  let keys: string[] = [];
  let drawQueued = false;
  const note = h("p", { class: "muted" });
  const holder = h("div", { class: "chart", role: "img", "aria-label": `${opts.title} chart` });
  clear(box);
  box.append(h("h2", {}, opts.title), holder, note);

  async function refresh(next?: number): Promise<void> {
    if (next !== undefined) rangeMs = next;
    const to = Date.now();
    const from = to - rangeMs;
    const step = Math.max(1000, Math.floor(rangeMs / 400));
    const q = new URLSearchParams({
      metric: opts.metric,
      probe: opts.probe,
      from: String(from),
      to: String(to),
    });
    if (rangeMs > 3_600_000) q.set("step", String(step));
    const reply = await api<SeriesReply>(`/api/v1/series?${q}`);
    // One line per series (a probe's series differ by extra labels, e.g. a pushed region).
    const times = new Set<number>();
    for (const s of reply.series) for (const p of s.points) times.add(p.ts);
    const xsMs = [...times].sort((a, b) => a - b);
    const index = new Map(xsMs.map((t, i) => [t, i]));
    const columns = reply.series.map((s) => {
      const col: (number | null)[] = new Array(xsMs.length).fill(null);
      for (const p of s.points) col[index.get(p.ts) ?? 0] = p.value;
      return col;
    });
    ys = columns;
    xs = xsMs.map((t) => t / 1000);
    keys = reply.series.map((s) => labelKey(s.labels));
    const data: uPlot.AlignedData = [xs, ...ys];
    note.textContent = xs.length === 0 ? "No samples in this range." : `${xs.length} points`;
    const width = Math.max(300, holder.clientWidth - 12);
    plot?.destroy();
    plot = new uPlot(
      {
        width,
        height: 220,
        series: [
          {},
          ...reply.series.map((s, i) => ({
            label:
              Object.entries(s.labels)
                .filter(([k]) => k !== "probe")
                .map(([k, v]) => `${k}=${v}`)
                .join(" ") || opts.metric,
            stroke: ["#0b4fa8", "#a3261a", "#1e7a34", "#7a3fa3"][i % 4] ?? "#0b4fa8",
            width: 1.5,
            spanGaps: false,
          })),
        ],
        axes: [{}, { label: opts.unit, size: 60 }],
        scales: { x: { time: true } },
      },
      data,
      holder,
    );
  }
  /**
   * Live points from the stream, for raw (un-bucketed) ranges: appended in place, the oldest
   * dropped as they leave the range, drawn at most once per frame. A new label set redraws all.
   */
  function append(samples: LiveSample[]): void {
    if (!plot || rangeMs > 3_600_000) return;
    let grew = false;
    for (const s of samples) {
      if (s.metric !== opts.metric) continue;
      const col = keys.indexOf(labelKey(s.labels));
      if (col < 0) {
        void refresh();
        return;
      }
      const x = s.ts / 1000;
      if (xs.length > 0 && x <= (xs.at(-1) ?? 0)) continue;
      xs.push(x);
      for (const [i, c] of ys.entries()) c.push(i === col ? s.value : null);
      grew = true;
    }
    if (!grew) return;
    const oldest = (Date.now() - rangeMs) / 1000;
    let cut = 0;
    while (cut < xs.length && (xs[cut] ?? 0) < oldest) cut++;
    if (cut > 0) {
      xs = xs.slice(cut);
      ys = ys.map((c) => c.slice(cut));
    }
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      plot?.setData([xs, ...ys]);
      note.textContent = `${xs.length} points · live`;
    });
  }
  return { refresh, append, destroy: () => plot?.destroy() };
}

const labelKey = (labels: Record<string, string>) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
