import { type ChunkSeries, decodeChunk, encodeChunk } from "./codec/chunk.js";
import { floorTo } from "./codec/minutes.js";
import { DAY_MS } from "./codec/rollup.js";
import { asBytes, asNumber, type ChunkMeta, FANOUT, type History, placeholders, slices } from "./history.js";

/** Merges per transaction. */
const MERGES_PER_TX = 50;
/** Rounds per call: each round lifts chunks one size class. */
const MAX_ROUNDS = 8;

/**
 * Size-tiered compaction. A flush writes one small chunk per group (a minute of samples: for a
 * 30 s probe, two results), whose row overhead would dwarf the samples; so as soon as a group has
 * FANOUT chunks of one size class (powers of 4 samples), they are merged into one deflated chunk,
 * until chunks reach `maxChunkSamples`. Each sample is rewritten about log4(max / flush size)
 * times; reads never see a gap, as the merged row replaces its inputs in one transaction.
 */
export async function compact(h: History): Promise<number> {
  let merges = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const plans: { grp: number; inputs: ChunkMeta[] }[] = [];
    for (const [grp, tail] of h.tails) {
      const live = tail.filter((c) => !h.isFinal(c.samples));
      if (live.length === 0) h.tails.delete(grp);
      else if (live.length !== tail.length) h.tails.set(grp, live);
      for (const inputs of planMerges(live)) plans.push({ grp, inputs });
    }
    if (plans.length === 0) break;
    for (const part of slices(plans, MERGES_PER_TX)) merges += await mergeAll(h, part);
  }
  return merges;
}

function sizeClass(samples: number): number {
  return Math.floor(Math.log2(Math.max(1, samples)) / 2);
}

/**
 * Within each size class and UTC day (chunks never span a day boundary: see flush.ts), runs of
 * FANOUT chunks in time order (a remainder waits for more).
 */
export function planMerges(tail: readonly ChunkMeta[]): ChunkMeta[][] {
  const byClass = new Map<string, ChunkMeta[]>();
  for (const c of tail) {
    const k = `${floorTo(c.t0, DAY_MS)}:${sizeClass(c.samples)}`;
    const list = byClass.get(k);
    if (list) list.push(c);
    else byClass.set(k, [c]);
  }
  const out: ChunkMeta[][] = [];
  for (const list of byClass.values()) {
    list.sort((a, b) => a.t0 - b.t0 || a.id - b.id);
    for (let i = 0; i + FANOUT <= list.length; i += FANOUT) out.push(list.slice(i, i + FANOUT));
  }
  return out;
}

async function mergeAll(h: History, plans: readonly { grp: number; inputs: ChunkMeta[] }[]): Promise<number> {
  const ids = plans.flatMap((p) => p.inputs.map((c) => c.id));
  const rows = await h.store.all<{ id: unknown; data: unknown }>(
    `SELECT id, data FROM series_chunks WHERE id IN (${placeholders(ids.length)})`,
    ids,
  );
  const blobs = new Map(rows.map((r) => [asNumber(r.id), asBytes(r.data)]));
  const merged: { grp: number; inputs: ChunkMeta[]; meta: Omit<ChunkMeta, "id">; data: Uint8Array }[] = [];
  for (const p of plans) {
    const inputs = p.inputs.filter((c) => blobs.has(c.id));
    if (inputs.length < p.inputs.length) {
      // Retention removed some meanwhile: forget them, plan again next time.
      dropFromTail(h, p.grp, p.inputs);
      continue;
    }
    merged.push({ grp: p.grp, inputs, ...mergeChunks(h, inputs, blobs) });
  }
  if (merged.length === 0) return 0;
  const newIds = merged.map((m) => h.chunkId(m.meta.samples));
  await h.store.tx(async (tx) => {
    for (const [i, m] of merged.entries()) {
      await tx.run(
        "INSERT INTO series_chunks (id, grp, t0, t1, samples, seq, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [newIds[i] as number, m.grp, m.meta.t0, m.meta.t1, m.meta.samples, m.meta.seq, m.data],
      );
      const inputIds = m.inputs.map((c) => c.id);
      await tx.run(`DELETE FROM series_chunks WHERE id IN (${placeholders(inputIds.length)})`, inputIds);
    }
  });
  merged.forEach((m, i) => {
    dropFromTail(h, m.grp, m.inputs);
    h.addTail(m.grp, { id: newIds[i] as number, ...m.meta });
  });
  return merged.length;
}

function mergeChunks(
  h: History,
  inputs: readonly ChunkMeta[],
  blobs: Map<number, Uint8Array>,
): { meta: Omit<ChunkMeta, "id">; data: Uint8Array } {
  const bySeries = new Map<number, { ts: number[]; values: number[]; sorted: boolean }>();
  for (const c of [...inputs].sort((a, b) => a.t0 - b.t0)) {
    for (const d of decodeChunk(blobs.get(c.id) as Uint8Array)) {
      let acc = bySeries.get(d.id);
      if (!acc) {
        acc = { ts: [], values: [], sorted: true };
        bySeries.set(d.id, acc);
      }
      if (
        acc.ts.length > 0 &&
        d.ts.length > 0 &&
        (d.ts[0] as number) < (acc.ts[acc.ts.length - 1] as number)
      ) {
        acc.sorted = false;
      }
      for (let i = 0; i < d.ts.length; i++) {
        acc.ts.push(d.ts[i] as number);
        acc.values.push(d.values[i] as number);
      }
    }
  }
  const cols: ChunkSeries[] = [];
  for (const [id, acc] of bySeries) {
    if (!acc.sorted) sortTogether(acc);
    const scale = h.scaleOf(id);
    cols.push({
      id,
      ts: acc.ts,
      values: acc.values,
      n: acc.ts.length,
      ...(scale === undefined ? {} : { scale }),
    });
  }
  const meta = {
    t0: Math.min(...inputs.map((c) => c.t0)),
    t1: Math.max(...inputs.map((c) => c.t1)),
    samples: inputs.reduce((n, c) => n + c.samples, 0),
    seq: Math.max(...inputs.map((c) => c.seq)),
  };
  return { meta, data: encodeChunk(cols, { deflate: true }) };
}

function sortTogether(acc: { ts: number[]; values: number[] }): void {
  const { ts, values } = acc;
  const order = ts.map((_, i) => i).sort((a, b) => (ts[a] as number) - (ts[b] as number) || a - b);
  acc.ts = order.map((i) => ts[i] as number);
  acc.values = order.map((i) => values[i] as number);
}

function dropFromTail(h: History, grp: number, gone: readonly ChunkMeta[]): void {
  const tail = h.tails.get(grp);
  if (!tail) return;
  const ids = new Set(gone.map((c) => c.id));
  const rest = tail.filter((c) => !ids.has(c.id));
  if (rest.length > 0) h.tails.set(grp, rest);
  else h.tails.delete(grp);
}
