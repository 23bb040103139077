/** The evidence packet's sources (src/incidents/evidence.ts), from the live series, probes, config and policy. */
import type { RecentResults } from "../board/index.js";
import type { OpsConfig } from "../config/index.js";
import { redact } from "../core/redact.js";
import { type EvidenceSources, excerpt } from "../incidents/index.js";
import type { PolicyEvidence } from "../policy/types.js";
import type { ProbeCatalog } from "../probes/index.js";
import type { SeriesInfo, SeriesQuerier } from "../series/index.js";

export interface EvidenceWiring {
  series: SeriesQuerier;
  probes: ProbeCatalog;
  recent: RecentResults;
  config: () => OpsConfig;
  /** The current figures of a bias probe; undefined for other probes (src/sensors/bias). */
  bias?: (probe: string) => unknown;
  /** The live pack and its last recorded change (src/policy PolicyMonitor). */
  policy: { evidence(): PolicyEvidence };
}

export function evidenceSources(o: EvidenceWiring): EvidenceSources {
  const read = (s: SeriesInfo, from: number, to: number) => {
    const w = o.series.window(s.id, from, to);
    return excerpt(s.metric, s.labels, w.ts, w.values, w.start, w.end);
  };
  return {
    seriesByKey(key, from, to) {
      const brace = key.indexOf("{");
      const metric = brace < 0 ? key : key.slice(0, brace);
      const probe = /probe="([^"\\]*)"/.exec(key)?.[1];
      const found = o.series.find(metric, probe ? { probe } : undefined).find((s) => s.key === key);
      return found && read(found, from, to);
    },
    probeSeries: (probe, metric, from, to) =>
      o.series
        .find(metric, { probe })
        .slice(0, 20)
        .map((s) => read(s, from, to)),
    probe(name) {
      const entry = o.probes.get(name);
      return entry && { spec: redact(entry.spec), recent: [...o.recent.recent(name)] };
    },
    ...(o.bias ? { bias: o.bias } : {}),
    slo: (name) => {
      const slo = o.config().slos.find((s) => s.name === name);
      return slo && redact(slo);
    },
    policy: () => o.policy.evidence(),
  };
}
