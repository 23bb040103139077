import { DAY_MS } from "./codec/rollup.js";
import type { History } from "./history.js";

/** Rows deleted per statement: each is its own short transaction, never a long lock. */
export const RETENTION_BATCH = 1000;
/** Statements per run; what is left waits for the next run. */
const MAX_BATCHES = 50;

/**
 * Drops raw chunks that ended before now − rawMs and rollup days that ended before now − rollupMs,
 * in batches of RETENTION_BATCH rows found through the time indexes. Returns rows deleted.
 */
export async function applyRetention(h: History): Promise<number> {
  const now = h.clock.now();
  // Raw samples go only once their rollups are written (the watermark lags if rollups could not run).
  const rawCutoff = Math.min(now - h.opts.rawMs, h.watermark);
  let deleted = await deleteInBatches(
    h,
    "DELETE FROM series_chunks WHERE id IN (SELECT id FROM series_chunks WHERE t1 < ? LIMIT ?)",
    rawCutoff,
  );
  for (const [grp, tail] of h.tails) {
    const rest = tail.filter((c) => c.t1 >= rawCutoff);
    if (rest.length === 0) h.tails.delete(grp);
    else if (rest.length !== tail.length) h.tails.set(grp, rest);
  }
  // A day goes once all of it is older than the cutoff.
  deleted += await deleteInBatches(
    h,
    "DELETE FROM series_rollups WHERE id IN (SELECT id FROM series_rollups WHERE day_start <= ? LIMIT ?)",
    now - h.opts.rollupMs - DAY_MS,
  );
  return deleted;
}

async function deleteInBatches(h: History, sql: string, cutoff: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const { changes } = await h.store.run(sql, [cutoff, RETENTION_BATCH]);
    total += changes;
    if (changes < RETENTION_BATCH) break;
  }
  return total;
}
