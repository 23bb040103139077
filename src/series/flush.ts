import type { SqlExecutor } from "../store/index.js";
import { type ChunkSeries, encodeChunk } from "./codec/chunk.js";
import { floorTo, HOUR_MS } from "./codec/minutes.js";
import { DAY_MS } from "./codec/rollup.js";
import { type BatchSeries, FLUSH_SEQ, type FlushBatch, type History, slices } from "./history.js";
import type { SampleLog } from "./sample-log.js";
import type { SeriesState } from "./series-state.js";

/** Chunk rows (and new series rows) per transaction: bounds how long one flush holds the write lock. */
const ROWS_PER_TX = 500;

/**
 * Writes what appends logged (History.log): new series rows, then one small chunk per chunk group
 * (compaction merges them later). Runs off the hot path; while a flush is in flight its samples stay
 * readable (History.inflight). A failed transaction puts its groups' samples back into the log, so
 * the next flush retries them; a crash loses only what was never committed.
 */
export class Flusher {
  /** Series created since the last flush, whose rows are not written yet. */
  private created: SeriesState[] = [];
  private chain: Promise<void> = Promise.resolve();
  /**
   * Samples of the flush being written, by series; reused from flush to flush (flushes run one at a
   * time, and readers copy what they take from a batch).
   */
  private sortedTs = new Float64Array(0);
  private sortedValues = new Float64Array(0);

  constructor(private readonly h: History) {}

  noteCreated(state: SeriesState): void {
    this.created.push(state);
  }

  get pendingSamples(): number {
    let n = this.h.log.length;
    for (const b of this.h.inflight)
      for (const list of b.groups.values()) for (const s of list) n += s.ts.length;
    return n;
  }

  /** Flushes everything appended before the call (waiting for a flush already running). */
  flush(): Promise<void> {
    const run = this.chain.then(() => this.flushOnce());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async flushOnce(): Promise<void> {
    const log = this.h.log;
    const created = this.created;
    if (log.length === 0 && created.length === 0) return;
    this.created = [];
    // Synchronous up to the first await: the log is emptied as its samples become the batch.
    const batch: FlushBatch = { seq: ++this.h.seq, groups: this.gather(log) };
    log.length = 0;
    this.h.inflight.push(batch);

    let seriesPending = created.length > 0;
    try {
      if (seriesPending && batch.groups.size === 0) {
        await this.h.store.tx(async (tx) => {
          await insertSeries(tx, created, this.h.clock.now());
          await saveSeq(tx, batch.seq);
        });
        seriesPending = false;
      }
      for (const part of slices([...batch.groups], ROWS_PER_TX)) {
        const rows = part.flatMap(([grp, series]) => chunkRows(grp, series, batch.seq));
        const ids = rows.map((r) => this.h.chunkId(r.samples));
        await this.h.store.tx(async (tx) => {
          if (seriesPending) await insertSeries(tx, created, this.h.clock.now());
          for (const [i, r] of rows.entries()) {
            await tx.run(
              "INSERT INTO series_chunks (id, grp, t0, t1, samples, seq, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
              [ids[i] as number, r.grp, r.t0, r.t1, r.samples, r.seq, r.data],
            );
          }
          await saveSeq(tx, batch.seq);
        });
        seriesPending = false;
        rows.forEach((r, i) => {
          const meta = { id: ids[i] as number, t0: r.t0, t1: r.t1, samples: r.samples, seq: r.seq };
          if (!this.h.isFinal(r.samples)) this.h.addTail(r.grp, meta);
          this.markLate(r.grp, r.t0, r.t1);
        });
        for (const [grp] of part) batch.groups.delete(grp);
      }
    } catch (err) {
      this.restore(batch, seriesPending ? created : []);
      throw err;
    } finally {
      const at = this.h.inflight.indexOf(batch);
      if (at >= 0) this.h.inflight.splice(at, 1);
    }
  }

  /**
   * The log's samples by chunk group and series, each series sorted by time (stable: arrival order
   * among equal timestamps). A counting sort by series id, into arrays reused between flushes.
   */
  private gather(log: SampleLog): Map<number, BatchSeries[]> {
    const n = log.length;
    let maxId = 0;
    for (let i = 0; i < n; i++) if ((log.ids[i] as number) > maxId) maxId = log.ids[i] as number;
    const start = new Uint32Array(maxId + 2);
    for (let i = 0; i < n; i++) {
      const k = (log.ids[i] as number) + 1;
      start[k] = (start[k] as number) + 1;
    }
    for (let id = 1; id <= maxId + 1; id++) start[id] = (start[id] as number) + (start[id - 1] as number);
    if (this.sortedTs.length < n) {
      const size = Math.max(n, Math.ceil(this.sortedTs.length * 1.25));
      this.sortedTs = new Float64Array(size);
      this.sortedValues = new Float64Array(size);
    }
    const ts = this.sortedTs;
    const values = this.sortedValues;
    const next = start.slice();
    for (let i = 0; i < n; i++) {
      const id = log.ids[i] as number;
      const at = next[id] as number;
      next[id] = at + 1;
      ts[at] = log.ts[i] as number;
      values[at] = log.values[i] as number;
    }
    const groups = new Map<number, BatchSeries[]>();
    for (let id = 0; id <= maxId; id++) {
      const from = start[id] as number;
      const to = start[id + 1] as number;
      if (from === to) continue;
      const state = this.h.index.get(id);
      if (!state) continue;
      sortSegment(ts, values, from, to);
      const b: BatchSeries = { state, ts: ts.subarray(from, to), values: values.subarray(from, to) };
      const list = groups.get(state.grp);
      if (list) list.push(b);
      else groups.set(state.grp, [b]);
    }
    return groups;
  }

  /** Hours whose rollups are already written and just got samples: recompute them. */
  private markLate(grp: number, t0: number, t1: number): void {
    for (let hour = floorTo(t0, HOUR_MS); hour <= t1 && hour < this.h.watermark; hour += HOUR_MS) {
      this.h.markDirty(grp, hour);
    }
  }

  /** Puts the samples of groups whose rows did not commit back into the log (flush sorts them again). */
  private restore(batch: FlushBatch, created: SeriesState[]): void {
    this.created = created.concat(this.created);
    const log = this.h.log;
    for (const series of batch.groups.values()) {
      for (const b of series)
        for (let i = 0; i < b.ts.length; i++) log.push(b.state.id, b.ts[i] as number, b.values[i] as number);
    }
  }
}

/** Sorts ts[from..to) with values alongside, stably, unless already sorted. */
function sortSegment(ts: Float64Array, values: Float64Array, from: number, to: number): void {
  let sorted = true;
  for (let i = from + 1; i < to && sorted; i++) if ((ts[i] as number) < (ts[i - 1] as number)) sorted = false;
  if (sorted) return;
  const order = Array.from({ length: to - from }, (_, k) => from + k).sort(
    (a, b) => (ts[a] as number) - (ts[b] as number) || a - b,
  );
  const t = order.map((i) => ts[i] as number);
  const v = order.map((i) => values[i] as number);
  ts.set(t, from);
  values.set(v, from);
}

interface ChunkRow {
  grp: number;
  t0: number;
  t1: number;
  samples: number;
  seq: number;
  data: Uint8Array;
}

/**
 * One chunk row per UTC day the group's samples fall in (usually one): no chunk spans a day
 * boundary, so every query can bound its scan of the t1 index to a day past its range.
 */
function chunkRows(grp: number, series: BatchSeries[], seq: number): ChunkRow[] {
  const byDay = new Map<number, ChunkSeries[]>();
  for (const b of series) {
    let from = 0;
    while (from < b.ts.length) {
      const day = floorTo(b.ts[from] as number, DAY_MS);
      let to = from + 1;
      while (to < b.ts.length && (b.ts[to] as number) < day + DAY_MS) to++;
      const col: ChunkSeries = {
        id: b.state.id,
        ts: b.ts.subarray(from, to),
        values: b.values.subarray(from, to),
        n: to - from,
        ...(b.state.scale === undefined ? {} : { scale: b.state.scale }),
      };
      const list = byDay.get(day);
      if (list) list.push(col);
      else byDay.set(day, [col]);
      from = to;
    }
  }
  return [...byDay.values()].map((cols) => {
    let t0 = Number.POSITIVE_INFINITY;
    let t1 = Number.NEGATIVE_INFINITY;
    let samples = 0;
    for (const c of cols) {
      t0 = Math.min(t0, c.ts[0] as number);
      t1 = Math.max(t1, c.ts[c.n - 1] as number);
      samples += c.n;
    }
    // Flush chunks are small and short-lived: compaction deflates what it merges.
    return { grp, t0, t1, samples, seq, data: encodeChunk(cols, { deflate: false }) };
  });
}

/** The highest flush sequence, so a restart goes on above it (read back in start()). */
async function saveSeq(tx: SqlExecutor, seq: number): Promise<void> {
  await tx.run(
    "INSERT INTO series_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    [FLUSH_SEQ, seq],
  );
}

async function insertSeries(tx: SqlExecutor, created: readonly SeriesState[], now: number): Promise<void> {
  for (const s of created) {
    await tx.run(
      "INSERT INTO series (id, metric, labels, series_key, grp, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      [s.id, s.metric, JSON.stringify(s.labels), s.key, s.grp, now],
    );
  }
}
