/**
 * The live alerts and the two lookups the engine needs: by series id (evaluation on arrival reads
 * only the alerts of the touched series) and by SLO (the status line per SLO).
 */
import type { Alert } from "./alert.js";

export class AlertIndex {
  private readonly byId = new Map<string, Alert>();
  private readonly bySeries = new Map<number, Alert[]>();
  private readonly byRule = new Map<string, Set<Alert>>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Alert | undefined {
    return this.byId.get(id);
  }

  /** Whether `a` is the live alert of its id (not one that was removed meanwhile). */
  isLive(a: Alert): boolean {
    return this.byId.get(a.id) === a;
  }

  values(): IterableIterator<Alert> {
    return this.byId.values();
  }

  onSeries(seriesId: number): readonly Alert[] | undefined {
    return this.bySeries.get(seriesId);
  }

  ofRule(name: string): Iterable<Alert> {
    return this.byRule.get(name) ?? [];
  }

  add(a: Alert): void {
    this.byId.set(a.id, a);
    const name = a.meta.slo;
    const set = this.byRule.get(name);
    if (set === undefined) this.byRule.set(name, new Set([a]));
    else set.add(a);
    this.indexSeries(a);
  }

  remove(a: Alert): void {
    this.byId.delete(a.id);
    this.byRule.get(a.meta.slo)?.delete(a);
    this.unindexSeries(a);
  }

  /** The alert's series (re)appeared in the series store under `seriesId`. */
  setSeries(a: Alert, seriesId: number): void {
    if (a.seriesId === seriesId) return;
    this.unindexSeries(a);
    a.seriesId = seriesId;
    this.indexSeries(a);
  }

  private indexSeries(a: Alert): void {
    if (a.seriesId === null) return;
    const list = this.bySeries.get(a.seriesId);
    if (list === undefined) this.bySeries.set(a.seriesId, [a]);
    else if (!list.includes(a)) list.push(a);
  }

  private unindexSeries(a: Alert): void {
    if (a.seriesId === null) return;
    const list = this.bySeries.get(a.seriesId)?.filter((x) => x !== a);
    if (list === undefined || list.length === 0) this.bySeries.delete(a.seriesId);
    else this.bySeries.set(a.seriesId, list);
  }
}
