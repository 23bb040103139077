import { decodeChunk } from "./codec/chunk.js";
import { DAY_MS } from "./codec/rollup.js";
import { asBytes, asNumber, type History, placeholders, slices } from "./history.js";
import type { SeriesState } from "./series-state.js";

/** Chunk groups per query (IN list). */
const GROUPS_PER_QUERY = 200;

/** The raw samples of one series over a range, ascending by time. */
export interface RawSeries {
  ts: Float64Array;
  values: Float64Array;
}

/** Samples held in memory for one series, tagged with the flush that will (or did) write them. */
interface Piece {
  seq: number;
  ts: ArrayLike<number>;
  values: ArrayLike<number>;
}

/**
 * Raw samples with from <= ts <= to of each series: flushed chunks, merged with what is still in
 * memory (flushes in flight and the unflushed buffer).
 *
 * Memory and store are read at different instants, and a flush may commit in between; the flush
 * sequence number tells which copy to use without locking. Flushes run one after another, so a
 * group's chunk rows commit in sequence order; in-memory samples tagged with flush `s` are already
 * in the store exactly when the store returned a chunk of that group with seq >= s (compaction keeps
 * the highest seq of what it merges). Memory is snapshotted first, synchronously.
 */
export async function readRaw(
  h: History,
  states: readonly SeriesState[],
  from: number,
  to: number,
): Promise<Map<number, RawSeries>> {
  const pieces = snapshot(h, states);
  const wanted = new Set(states.map((s) => s.id));
  const parts = new Map<number, Piece[]>();
  const maxSeq = new Map<number, number>();
  const groups = [...new Set(states.map((s) => s.grp))];

  for (const part of slices(groups, GROUPS_PER_QUERY)) {
    const rows = await h.store.all<{ grp: unknown; seq: unknown; data: unknown }>(
      // A chunk lies within one UTC day, so none that overlaps ends a day or more after `to`.
      `SELECT grp, seq, data FROM series_chunks WHERE grp IN (${placeholders(part.length)}) ` +
        "AND t1 >= ? AND t1 < ? AND t0 <= ? ORDER BY t0",
      [...part, from, to + DAY_MS, to],
    );
    for (const row of rows) {
      const grp = asNumber(row.grp);
      const seq = asNumber(row.seq);
      if (seq > (maxSeq.get(grp) ?? 0)) maxSeq.set(grp, seq);
      for (const d of decodeChunk(asBytes(row.data), (id) => wanted.has(id))) {
        push(parts, d.id, { seq, ts: d.ts, values: d.values });
      }
    }
  }

  const out = new Map<number, RawSeries>();
  for (const s of states) {
    const list = parts.get(s.id) ?? [];
    const flushed = maxSeq.get(s.grp) ?? 0;
    for (const p of pieces.get(s.id) ?? []) if (p.seq > flushed) list.push(p);
    out.set(s.id, merge(list, from, to));
  }
  return out;
}

function snapshot(h: History, states: readonly SeriesState[]): Map<number, Piece[]> {
  const out = new Map<number, Piece[]>();
  const ids = new Set(states.map((s) => s.id));
  for (const batch of h.inflight) {
    for (const [grp, series] of batch.groups) {
      for (const b of series) {
        if (ids.has(b.state.id) && b.state.grp === grp) {
          push(out, b.state.id, { seq: batch.seq, ts: b.ts.slice(), values: b.values.slice() });
        }
      }
    }
  }
  // The log goes out with the next flush.
  for (const [id, logged] of h.log.select(ids)) push(out, id, { seq: h.seq + 1, ...logged });
  return out;
}

/** Concatenates the pieces' samples within [from, to] and sorts them by time (stable). */
function merge(pieces: readonly Piece[], from: number, to: number): RawSeries {
  let n = 0;
  for (const p of pieces) n += p.ts.length;
  let ts = new Float64Array(n);
  let values = new Float64Array(n);
  let k = 0;
  let sorted = true;
  let prev = Number.NEGATIVE_INFINITY;
  for (const p of pieces) {
    for (let i = 0; i < p.ts.length; i++) {
      const t = p.ts[i] as number;
      if (t < from || t > to) continue;
      if (t < prev) sorted = false;
      prev = t;
      ts[k] = t;
      values[k++] = p.values[i] as number;
    }
  }
  ts = ts.subarray(0, k);
  values = values.subarray(0, k);
  if (sorted) return { ts, values };
  const order = Array.from({ length: k }, (_, i) => i).sort(
    (a, b) => (ts[a] as number) - (ts[b] as number) || a - b,
  );
  return {
    ts: Float64Array.from(order, (i) => ts[i] as number),
    values: Float64Array.from(order, (i) => values[i] as number),
  };
}

function push<T>(map: Map<number, T[]>, key: number, item: T): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}
