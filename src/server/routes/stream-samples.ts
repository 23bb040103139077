/**
 * Samples for open views (DESIGN §4 stream: "samples for open views"): a reader's socket names the
 * probes whose detail page it shows, `{"type":"watch","probes":["web-login"]}`, and gets their
 * new samples as `{"type":"samples","samples":[{metric, labels, value, ts}]}`. Not numbered and
 * not replayed: a chart that reconnects refetches its range from `/api/v1/series`.
 */
import type { SampleInput } from "../../series/index.js";

/** At most this many probes per socket: a detail page watches one; a wall of charts, a few. */
export const MAX_WATCHED = 20;

export interface WatchedSample {
  metric: string;
  labels: Readonly<Record<string, string>>;
  value: number;
  ts: number;
}

export class SampleWatch {
  private readonly bySocket = new Map<object, { probes: Set<string>; send: (s: WatchedSample[]) => void }>();

  /** Replaces what `socket` watches (an empty list stops it). */
  set(socket: object, probes: readonly string[], send: (s: WatchedSample[]) => void): void {
    if (probes.length === 0) this.bySocket.delete(socket);
    else this.bySocket.set(socket, { probes: new Set(probes), send });
  }

  drop(socket: object): void {
    this.bySocket.delete(socket);
  }

  /** One pass over the batch, only for probes someone watches (ingest batches can be large). */
  deliver(samples: readonly SampleInput[]): void {
    if (this.bySocket.size === 0) return;
    const wanted = new Set<string>();
    for (const w of this.bySocket.values()) for (const p of w.probes) wanted.add(p);
    const byProbe = new Map<string, WatchedSample[]>();
    for (const s of samples) {
      const probe = s.labels.probe;
      if (probe === undefined || !wanted.has(probe)) continue;
      let list = byProbe.get(probe);
      if (!list) {
        list = [];
        byProbe.set(probe, list);
      }
      list.push({ metric: s.metric, labels: s.labels, value: s.value, ts: s.ts });
    }
    if (byProbe.size === 0) return;
    for (const w of this.bySocket.values()) {
      const out: WatchedSample[] = [];
      for (const p of w.probes) out.push(...(byProbe.get(p) ?? []));
      if (out.length > 0) w.send(out);
    }
  }
}

/** `{"type":"watch","probes":[...]}` → the names, or null when the message is something else. */
export function parseWatch(msg: unknown): string[] | null {
  if (typeof msg !== "object" || msg === null || (msg as { type?: unknown }).type !== "watch") return null;
  const probes = (msg as { probes?: unknown }).probes;
  if (!Array.isArray(probes) || probes.length > MAX_WATCHED) return null;
  if (!probes.every((p) => typeof p === "string" && p.length > 0 && p.length <= 200)) return null;
  return probes as string[];
}
