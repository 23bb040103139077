/** The board's state in the page: a snapshot, then deltas from the stream, applied in order. */
import type { Board, ProbeTile, SloTile } from "./stream.js";

export interface Delta {
  probes: ProbeTile[];
  slos: SloTile[];
  removed: { probes: string[]; slos: string[] };
  top: Partial<Board>;
}

/** What changed: tile keys (`p:name`, `s:name`), or everything (a snapshot or a removal). */
export type Change = { all: true } | { all: false; keys: string[]; top: boolean };

export class BoardModel {
  policy: Board["policy"] = { id: null, approved: null, drift: false };
  incidents = { open: 0 };
  readonly probes = new Map<string, ProbeTile>();
  readonly slos = new Map<string, SloTile>();
  loaded = false;
  private listeners = new Set<(c: Change) => void>();

  onChange(fn: (c: Change) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  load(board: Board): void {
    this.policy = board.policy;
    this.incidents = board.incidents;
    this.probes.clear();
    this.slos.clear();
    for (const p of board.probes) this.probes.set(p.name, p);
    for (const s of board.slos) this.slos.set(s.name, s);
    this.loaded = true;
    this.emit({ all: true });
  }

  apply(d: Delta): void {
    const keys: string[] = [];
    let regroup = d.removed.probes.length + d.removed.slos.length > 0;
    for (const p of d.probes) {
      const old = this.probes.get(p.name);
      if (!old || JSON.stringify(old.labels) !== JSON.stringify(p.labels)) regroup = true;
      this.probes.set(p.name, p);
      keys.push(`p:${p.name}`);
    }
    for (const s of d.slos) {
      const old = this.slos.get(s.name);
      if (!old || JSON.stringify(old.labels) !== JSON.stringify(s.labels)) regroup = true;
      this.slos.set(s.name, s);
      keys.push(`s:${s.name}`);
    }
    for (const n of d.removed.probes) this.probes.delete(n);
    for (const n of d.removed.slos) this.slos.delete(n);
    if (d.top.policy) this.policy = d.top.policy;
    if (d.top.incidents) this.incidents = d.top.incidents;
    const top = d.top.policy !== undefined || d.top.incidents !== undefined;
    this.emit(regroup ? { all: true } : { all: false, keys, top });
  }

  private emit(c: Change): void {
    for (const l of this.listeners) l(c);
  }
}
