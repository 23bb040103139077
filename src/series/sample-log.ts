/**
 * Samples appended since the last flush, in arrival order, for all series at once: three typed
 * arrays that grow geometrically (by half: the log is sized by its busiest flush interval, and
 * doubling would leave up to half of it unused for good) and are reused from flush to flush. Appending allocates nothing,
 * and there is no per-series buffer object (at 80,000 series those cost more than the samples).
 */
export class SampleLog {
  ids: Uint32Array;
  ts: Float64Array;
  values: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.ids = new Uint32Array(capacity);
    this.ts = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  push(id: number, t: number, v: number): void {
    if (this.length === this.ids.length) this.grow();
    const i = this.length++;
    this.ids[i] = id;
    this.ts[i] = t;
    this.values[i] = v;
  }

  grow(): void {
    const size = Math.ceil(this.ids.length * 1.5);
    const ids = new Uint32Array(size);
    ids.set(this.ids);
    const ts = new Float64Array(size);
    ts.set(this.ts);
    const values = new Float64Array(size);
    values.set(this.values);
    this.ids = ids;
    this.ts = ts;
    this.values = values;
  }

  /** Copies of the samples of series in `ids` (by id), in arrival order. */
  select(ids: ReadonlySet<number>): Map<number, { ts: number[]; values: number[] }> {
    const out = new Map<number, { ts: number[]; values: number[] }>();
    for (let i = 0; i < this.length; i++) {
      const id = this.ids[i] as number;
      if (!ids.has(id)) continue;
      let acc = out.get(id);
      if (!acc) {
        acc = { ts: [], values: [] };
        out.set(id, acc);
      }
      acc.ts.push(this.ts[i] as number);
      acc.values.push(this.values[i] as number);
    }
    return out;
  }
}
