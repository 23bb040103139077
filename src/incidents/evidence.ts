/**
 * The evidence packet (DESIGN §2): what every responder gets, captured at detection time so it
 * shows what HMS-OPS saw then, not what the config or the series say later. Collected from
 * in-memory state only (it runs inside the rule engine's transaction): the alert's series around
 * the breach, the probe's series and its last results with their error text, the probe definition
 * and the SLO as configured (secrets redacted by the caller's sources), the labels and the policy
 * pack, and a bias probe's fairness figures. Run-book results join it later as timeline events.
 */
import type { AlertEvent } from "../rules/events.js";

export interface SeriesExcerpt {
  metric: string;
  labels: Record<string, string>;
  /** `[ts, value]` pairs, oldest first. */
  points: [number, number][];
  /** True when older points were left out to respect the cap. */
  truncated: boolean;
}

/** Where the packet's parts come from (wired in src/app from the series store, probes, config, policy). */
export interface EvidenceSources {
  /** The alert's own series, by its canonical key. */
  seriesByKey(key: string, from: number, to: number): SeriesExcerpt | undefined;
  /** Every series of the probe for `metric` (e.g. `ok`, `latency`). */
  probeSeries(probe: string, metric: string, from: number, to: number): SeriesExcerpt[];
  /** The probe definition (redacted) and its last results, newest last. */
  probe(name: string): { spec: unknown; recent: unknown[] } | undefined;
  /** The SLO as configured (redacted). */
  slo(name: string): unknown;
  policy(): { id: string | null; approved?: string | null; drift?: boolean };
  /** A bias probe's current fairness figures per model and group; undefined for other probes. */
  bias?(probe: string): unknown;
}

/** How far before the condition first held the packet reaches. */
export const EVIDENCE_BEFORE_MS = 15 * 60_000;
/** Points kept per series (the newest), so one packet stays a few tens of kB. */
export const EVIDENCE_POINTS = 300;
const PROBE_METRICS = ["ok", "latency"];

export function collectEvidence(
  sources: EvidenceSources,
  event: AlertEvent,
  now: number,
): Record<string, unknown> {
  const from = (event.activeAt ?? event.at) - EVIDENCE_BEFORE_MS;
  const to = Math.max(now, event.at);
  const own = sources.seriesByKey(event.seriesKey, from, to);
  const probeSeries = event.probe
    ? PROBE_METRICS.flatMap((m) => sources.probeSeries(event.probe as string, m, from, to)).filter(
        (s) => !own || s.metric !== own.metric || JSON.stringify(s.labels) !== JSON.stringify(own.labels),
      )
    : [];
  return {
    alert: {
      id: event.alertId,
      episode: event.episode,
      labels: event.labels,
      value: event.value,
      unit: event.unit,
      activeAt: iso(event.activeAt),
      firedAt: iso(event.firedAt ?? event.at),
    },
    condition: event.condition,
    slo: sources.slo(event.slo) ?? { name: event.slo },
    policy: sources.policy(),
    probe: event.probe ? (sources.probe(event.probe) ?? { name: event.probe }) : null,
    window: { from: iso(from), to: iso(to) },
    samples: own ? [own, ...probeSeries] : probeSeries,
    ...biasOf(sources, event.probe),
  };
}

/** A bias probe's figures as they stood when the alert fired (issue 6: bias figures in the packet). */
function biasOf(sources: EvidenceSources, probe: string | null | undefined): { bias?: unknown } {
  const figures = probe ? sources.bias?.(probe) : undefined;
  return figures === undefined ? {} : { bias: figures };
}

/** The newest `EVIDENCE_POINTS` of parallel arrays as `[ts, value]` pairs. */
export function excerpt(
  metric: string,
  labels: Record<string, string>,
  ts: ArrayLike<number>,
  values: ArrayLike<number>,
  start: number,
  end: number,
): SeriesExcerpt {
  const first = Math.max(start, end - EVIDENCE_POINTS);
  const points: [number, number][] = [];
  for (let i = first; i < end; i++) points.push([ts[i] as number, values[i] as number]);
  return { metric, labels, points, truncated: first > start };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
