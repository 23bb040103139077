import { decodeChunk } from "./codec/chunk.js";
import { addToMinutes, concatAggs, emptyAggs, floorTo, HOUR_MS, type MinuteAggs } from "./codec/minutes.js";
import { DAY_MS, decodeRollup, encodeRollup, type RollupSeries } from "./codec/rollup.js";
import { asBytes, asNumber, type History, placeholders, slices } from "./history.js";

/** Chunk groups per rollup transaction. */
const GROUPS_PER_TX = 100;
/** Days rolled up per maintenance run, so catching up after an outage goes in bounded steps. */
const DAYS_PER_RUN = 2;
const WATERMARK = "rollup_watermark";

/**
 * Per-minute rollups are a pure function of raw history. Once an hour is `rollupAgeMs` old (by
 * default a day before raw retention would drop it; until then reads compute the same minutes from
 * raw), each chunk group's minutes are computed from its raw chunks into the row of their UTC day;
 * the watermark (persisted) then moves past them. Raw retention never drops what is not rolled up.
 * A sample that arrives for an hour already rolled up (out of order, a retried flush) marks the
 * hour dirty, and the next run recomputes that hour from raw. The dirty set lives in memory: after a
 * crash, an hour can miss samples that arrived late just before it (raw history has them).
 */
export async function loadWatermark(h: History): Promise<void> {
  const row = await h.store.get<{ value: unknown }>("SELECT value FROM series_meta WHERE name = ?", [
    WATERMARK,
  ]);
  h.watermark = row ? asNumber(row.value) : floorTo(h.clock.now(), HOUR_MS);
}

/** Writes the rollups that are due; returns how many day rows were written. */
export async function rollUp(h: History): Promise<number> {
  const now = h.clock.now();
  let written = 0;
  const wait = Math.max(h.opts.rollupDelayMs, h.opts.rollupAgeMs);
  // Hours before `limit` are old enough.
  const limit = floorTo(now - wait - HOUR_MS, HOUR_MS) + HOUR_MS;
  for (let n = 0; n < DAYS_PER_RUN && h.watermark < limit; n++) {
    // Days without any chunk (an outage, a quiet store) are skipped in one step: a chunk lies
    // within one UTC day, so nothing starts before the day of the smallest t1 (an index lookup).
    const next = await h.store.get<{ t: unknown }>("SELECT MIN(t1) AS t FROM series_chunks WHERE t1 >= ?", [
      h.watermark,
    ]);
    const first = next?.t === null || next?.t === undefined ? limit : floorTo(asNumber(next.t), DAY_MS);
    let mark = Math.max(h.watermark, Math.min(first, limit));
    if (mark < limit) {
      const end = Math.min(limit, floorTo(mark, DAY_MS) + DAY_MS);
      const rows = await h.store.all<{ grp: unknown }>(
        "SELECT DISTINCT grp FROM series_chunks WHERE t1 >= ? AND t1 < ? AND t0 < ?",
        [mark, end + DAY_MS, end],
      );
      written += await rollUpSpan(
        h,
        mark,
        end,
        rows.map((r) => asNumber(r.grp)),
      );
      mark = end;
    }
    await h.store.run(
      "INSERT INTO series_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      [WATERMARK, mark],
    );
    h.watermark = mark;
  }

  const oldestRaw = floorTo(now - h.opts.rawMs, HOUR_MS);
  for (const [hour, groups] of [...h.dirty]) {
    if (hour >= h.watermark) continue;
    h.dirty.delete(hour);
    // Only an hour whose raw samples are all still there can be recomputed.
    if (hour > oldestRaw) written += await rollUpSpan(h, hour, hour + HOUR_MS, [...groups]);
  }
  return written;
}

type Samples = { ts: number[]; values: number[] };

/**
 * Recomputes the minutes of [from, to) (whole hours of one UTC day) of `groups` from raw chunks,
 * keeping what their day rows hold outside that span.
 */
async function rollUpSpan(h: History, from: number, to: number, groups: readonly number[]): Promise<number> {
  const day = floorTo(from, DAY_MS);
  const wholeDay = from === day && to === day + DAY_MS;
  let written = 0;
  for (const part of slices(groups, GROUPS_PER_TX)) {
    const raw = await rawByGroup(h, part, from, to);
    const kept = wholeDay ? new Map<number, Map<number, MinuteAggs>>() : await dayRows(h, part, day);
    const blobs = part.map((grp) => {
      const series: RollupSeries[] = [];
      const old = kept.get(grp) ?? new Map<number, MinuteAggs>();
      const fresh = raw.get(grp) ?? new Map<number, Samples>();
      for (const id of new Set([...old.keys(), ...fresh.keys()])) {
        const aggs = emptyAggs();
        const before = old.get(id);
        if (before) keepOutside(aggs, before, from, to, (t) => t < from);
        const samples = fresh.get(id);
        if (samples) addToMinutes(aggs, samples.ts, samples.values, samples.ts.length, from, to);
        if (before) keepOutside(aggs, before, from, to, (t) => t >= to);
        if (aggs.t.length === 0) continue;
        const scale = h.scaleOf(id);
        series.push({ id, aggs, ...(scale === undefined ? {} : { scale }) });
      }
      return { grp, data: series.length > 0 ? encodeRollup(day, series) : undefined };
    });
    await h.store.tx(async (tx) => {
      for (const b of blobs) {
        if (b.data) {
          await tx.run(
            "INSERT INTO series_rollups (grp, day_start, data) VALUES (?, ?, ?) " +
              "ON CONFLICT (grp, day_start) DO UPDATE SET data = excluded.data",
            [b.grp, day, b.data],
          );
          written++;
        } else {
          await tx.run("DELETE FROM series_rollups WHERE grp = ? AND day_start = ?", [b.grp, day]);
        }
      }
    });
  }
  return written;
}

function keepOutside(
  dst: MinuteAggs,
  src: MinuteAggs,
  from: number,
  to: number,
  side: (t: number) => boolean,
): void {
  for (let i = 0; i < src.t.length; i++) {
    const t = src.t[i] as number;
    if ((t < from || t >= to) && side(t)) {
      dst.t.push(t);
      dst.count.push(src.count[i] as number);
      dst.sum.push(src.sum[i] as number);
      dst.min.push(src.min[i] as number);
      dst.max.push(src.max[i] as number);
      dst.last.push(src.last[i] as number);
    }
  }
}

/** Raw samples with from <= ts < to of every series of `groups`, sorted by time. */
async function rawByGroup(
  h: History,
  groups: readonly number[],
  from: number,
  to: number,
): Promise<Map<number, Map<number, Samples>>> {
  const rows = await h.store.all<{ grp: unknown; data: unknown }>(
    `SELECT grp, data FROM series_chunks WHERE grp IN (${placeholders(groups.length)}) ` +
      "AND t1 >= ? AND t1 < ? AND t0 < ? ORDER BY t0",
    [...groups, from, to + DAY_MS, to],
  );
  const out = new Map<number, Map<number, Samples>>();
  for (const row of rows) {
    const grp = asNumber(row.grp);
    let series = out.get(grp);
    if (!series) {
      series = new Map();
      out.set(grp, series);
    }
    for (const d of decodeChunk(asBytes(row.data))) {
      let acc = series.get(d.id);
      if (!acc) {
        acc = { ts: [], values: [] };
        series.set(d.id, acc);
      }
      for (let i = 0; i < d.ts.length; i++) {
        const t = d.ts[i] as number;
        if (t < from || t >= to) continue;
        acc.ts.push(t);
        acc.values.push(d.values[i] as number);
      }
    }
  }
  for (const series of out.values()) for (const acc of series.values()) sortByTime(acc);
  return out;
}

/** Overlapping chunks (late samples, merges) may interleave: sort, stably. */
function sortByTime(acc: Samples): void {
  const { ts, values } = acc;
  let sorted = true;
  for (let i = 1; i < ts.length && sorted; i++) if ((ts[i] as number) < (ts[i - 1] as number)) sorted = false;
  if (sorted) return;
  const order = ts.map((_, i) => i).sort((a, b) => (ts[a] as number) - (ts[b] as number) || a - b);
  acc.ts = order.map((i) => ts[i] as number);
  acc.values = order.map((i) => values[i] as number);
}

async function dayRows(
  h: History,
  groups: readonly number[],
  day: number,
): Promise<Map<number, Map<number, MinuteAggs>>> {
  const rows = await h.store.all<{ grp: unknown; data: unknown }>(
    `SELECT grp, data FROM series_rollups WHERE grp IN (${placeholders(groups.length)}) AND day_start = ?`,
    [...groups, day],
  );
  return new Map(rows.map((r) => [asNumber(r.grp), decodeRollup(asBytes(r.data), day)]));
}

/** Rollup minutes of `ids` (in `groups`) from the day rows between fromDay and toDay (exclusive), ascending. */
export async function readRollups(
  h: History,
  groups: readonly number[],
  ids: ReadonlySet<number>,
  fromDay: number,
  toDay: number,
): Promise<Map<number, MinuteAggs>> {
  const out = new Map<number, MinuteAggs>();
  for (const part of slices(groups, GROUPS_PER_TX * 2)) {
    const rows = await h.store.all<{ day_start: unknown; data: unknown }>(
      `SELECT day_start, data FROM series_rollups WHERE grp IN (${placeholders(part.length)}) ` +
        "AND day_start >= ? AND day_start < ? ORDER BY day_start",
      [...part, fromDay, toDay],
    );
    for (const row of rows) {
      const decoded = decodeRollup(asBytes(row.data), asNumber(row.day_start), (id) => ids.has(id));
      for (const [id, aggs] of decoded) {
        const acc = out.get(id);
        if (!acc) out.set(id, aggs);
        else concatAggs(acc, aggs);
      }
    }
  }
  return out;
}
