/** A uPlot line chart of one metric of one probe over a selectable range, from /api/v1/series. */
import uPlot from "uplot";
import { api } from "./api.js";
import { clear, h } from "./dom.js";

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
): { refresh(rangeMs?: number): Promise<void>; destroy(): void } {
  let plot: uPlot | null = null;
  let rangeMs = opts.rangeMs;
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
    const xs = [...times].sort((a, b) => a - b);
    const index = new Map(xs.map((t, i) => [t, i]));
    const ys = reply.series.map((s) => {
      const col: (number | null)[] = new Array(xs.length).fill(null);
      for (const p of s.points) col[index.get(p.ts) ?? 0] = p.value;
      return col;
    });
    const data: uPlot.AlignedData = [xs.map((t) => t / 1000), ...ys];
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
  return { refresh, destroy: () => plot?.destroy() };
}
