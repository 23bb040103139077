import type { SqlExecutor } from "../store/index.js";
import { type ChunkSeries, encodeChunk } from "./codec/chunk.js";
import { floorTo, HOUR_MS } from "./codec/minutes.js";
import { type BatchSeries, type FlushBatch, type History, slices } from "./history.js";
import type { SeriesState } from "./series-state.js";

/** Chunk rows (and new series rows) per transaction: bounds how long one flush holds the write lock. */
const ROWS_PER_TX = 500;

/**
 * Writes what appends buffered: new series rows, then one small chunk per chunk group (compaction
 * merges them later). Runs off the hot path; while a flush is in flight its samples stay readable
 * (History.inflight). A failed transaction puts its groups' samples back into their buffers, so the
 * next flush retries them; a crash loses only what was never committed.
 */
export class Flusher {
  /** Series with buffered samples, each once. */
  private dirty: SeriesState[] = [];
  /** Series created since the last flush, whose rows are not written yet. */
  private created: SeriesState[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly h: History) {}

  /** Called by append when a series' buffer goes from empty to non-empty. */
  noteDirty(state: SeriesState): void {
    this.dirty.push(state);
  }

  noteCreated(state: SeriesState): void {
    this.created.push(state);
  }

  get pendingSamples(): number {
    let n = 0;
    for (const s of this.dirty) n += s.bufTs.length;
    return n;
  }

  /** Flushes everything appended before the call (waiting for a flush already running). */
  flush(): Promise<void> {
    const run = this.chain.then(() => this.flushOnce());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async flushOnce(): Promise<void> {
    const dirty = this.dirty;
    const created = this.created;
    if (dirty.length === 0 && created.length === 0) return;
    this.dirty = [];
    this.created = [];
    const batch: FlushBatch = { seq: ++this.h.seq, groups: new Map() };
    for (const state of dirty) {
      const taken = take(state);
      if (taken.ts.length === 0) continue;
      const list = batch.groups.get(state.grp);
      if (list) list.push(taken);
      else batch.groups.set(state.grp, [taken]);
    }
    this.h.inflight.push(batch);

    let seriesPending = created.length > 0;
    try {
      if (seriesPending && batch.groups.size === 0) {
        await this.h.store.tx((tx) => insertSeries(tx, created, this.h.clock.now()));
        seriesPending = false;
      }
      for (const part of slices([...batch.groups], ROWS_PER_TX)) {
        const rows = part.map(([grp, series]) => chunkRow(grp, series, batch.seq));
        const ids = rows.map((r) => this.h.chunkId(r.samples));
        await this.h.store.tx(async (tx) => {
          if (seriesPending) await insertSeries(tx, created, this.h.clock.now());
          for (const [i, r] of rows.entries()) {
            await tx.run(
              "INSERT INTO series_chunks (id, grp, t0, t1, samples, seq, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
              [ids[i] as number, r.grp, r.t0, r.t1, r.samples, r.seq, r.data],
            );
          }
        });
        seriesPending = false;
        rows.forEach((r, i) => {
          const meta = { id: ids[i] as number, t0: r.t0, t1: r.t1, samples: r.samples, seq: r.seq };
          if (!this.h.isFinal(r.samples)) this.h.addTail(r.grp, meta);
          this.markLate(r.grp, r.t0, r.t1);
          batch.groups.delete(r.grp);
        });
      }
    } catch (err) {
      this.restore(batch, seriesPending ? created : []);
      throw err;
    } finally {
      const at = this.h.inflight.indexOf(batch);
      if (at >= 0) this.h.inflight.splice(at, 1);
    }
  }

  /** Hours whose rollups are already written and just got samples: recompute them. */
  private markLate(grp: number, t0: number, t1: number): void {
    for (let hour = floorTo(t0, HOUR_MS); hour <= t1 && hour < this.h.watermark; hour += HOUR_MS) {
      this.h.markDirty(grp, hour);
    }
  }

  /** Puts the samples of groups whose rows did not commit back in front of their buffers. */
  private restore(batch: FlushBatch, created: SeriesState[]): void {
    this.created = created.concat(this.created);
    for (const series of batch.groups.values()) {
      for (const b of series) {
        const s = b.state;
        if (s.bufTs.length === 0) this.dirty.push(s);
        else s.bufUnsorted = true;
        s.bufTs = b.ts.concat(s.bufTs);
        s.bufValues = b.values.concat(s.bufValues);
      }
    }
  }
}

/** Takes a series' buffer (sorted by time), leaving it empty. */
function take(state: SeriesState): BatchSeries {
  let ts = state.bufTs;
  let values = state.bufValues;
  state.bufTs = [];
  state.bufValues = [];
  if (state.bufUnsorted) {
    state.bufUnsorted = false;
    const order = ts.map((_, i) => i).sort((a, b) => (ts[a] as number) - (ts[b] as number) || a - b);
    const v = values;
    const t = ts;
    ts = order.map((i) => t[i] as number);
    values = order.map((i) => v[i] as number);
  }
  return { state, ts, values };
}

interface ChunkRow {
  grp: number;
  t0: number;
  t1: number;
  samples: number;
  seq: number;
  data: Uint8Array;
}

function chunkRow(grp: number, series: BatchSeries[], seq: number): ChunkRow {
  let t0 = Number.POSITIVE_INFINITY;
  let t1 = Number.NEGATIVE_INFINITY;
  let samples = 0;
  const cols: ChunkSeries[] = series.map((b) => {
    t0 = Math.min(t0, b.ts[0] as number);
    t1 = Math.max(t1, b.ts[b.ts.length - 1] as number);
    samples += b.ts.length;
    return {
      id: b.state.id,
      ts: b.ts,
      values: b.values,
      n: b.ts.length,
      ...(b.state.scale === undefined ? {} : { scale: b.state.scale }),
    };
  });
  // Flush chunks are small and short-lived: compaction deflates what it merges.
  return { grp, t0, t1, samples, seq, data: encodeChunk(cols, { deflate: false }) };
}

async function insertSeries(tx: SqlExecutor, created: readonly SeriesState[], now: number): Promise<void> {
  for (const s of created) {
    await tx.run(
      "INSERT INTO series (id, metric, labels, series_key, grp, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      [s.id, s.metric, JSON.stringify(s.labels), s.key, s.grp, now],
    );
  }
}
