import { MINUTE_MS } from "./codec/minutes.js";
import type { History } from "./history.js";
import { readMinutes } from "./range.js";
import { readRaw } from "./raw-reader.js";
import type { SeriesState } from "./series-state.js";
import type { Totals } from "./types.js";

/**
 * Count and sum of a series' non-NaN samples with from <= ts < to: the whole minutes inside the
 * span from rollups (raw where rollups are not written yet), the partial minutes at either edge from
 * raw samples. Edges older than raw retention have no raw samples left and count as empty.
 */
export async function totals(h: History, state: SeriesState, from: number, to: number): Promise<Totals> {
  const out: Totals = { count: 0, sum: 0 };
  if (!(to > from)) return out;
  const a = Math.ceil(from / MINUTE_MS) * MINUTE_MS;
  const b = Math.floor(to / MINUTE_MS) * MINUTE_MS;
  if (a >= b) {
    await addRaw(h, state, from, to, out);
    return out;
  }
  if (from < a) await addRaw(h, state, from, a, out);
  const minutes = (await readMinutes(h, [state], a, b - 1)).get(state.id);
  if (minutes) {
    for (let i = 0; i < minutes.t.length; i++) {
      out.count += minutes.count[i] as number;
      out.sum += minutes.sum[i] as number;
    }
  }
  if (b < to) await addRaw(h, state, b, to, out);
  return out;
}

/** Adds the raw samples with from <= ts < to (timestamps are whole milliseconds). */
async function addRaw(h: History, state: SeriesState, from: number, to: number, out: Totals): Promise<void> {
  const raw = (await readRaw(h, [state], from, Math.ceil(to) - 1)).get(state.id);
  if (!raw) return;
  for (let i = 0; i < raw.values.length; i++) {
    const v = raw.values[i] as number;
    if (Number.isNaN(v)) continue;
    out.count++;
    out.sum += v;
  }
}
