import type { Clock } from "../core/clock.js";
import type { Store } from "../store/index.js";
import { SampleLog } from "./sample-log.js";
import type { SeriesIndex } from "./series-index.js";
import type { SeriesState } from "./series-state.js";

/**
 * State the durable half of the series store shares between its parts (flush, reads, compaction,
 * rollups, retention). Nothing here is SQLite-specific: SQL is the portable subset of store/.
 */

/** Samples of one series taken out of the log by a flush, sorted by time. */
export interface BatchSeries {
  state: SeriesState;
  ts: Float64Array;
  values: Float64Array;
}

/** One flush: every buffered sample, by chunk group, until its chunk rows commit. */
export interface FlushBatch {
  seq: number;
  groups: Map<number, BatchSeries[]>;
}

/** What compaction needs to know about a chunk row. */
export interface ChunkMeta {
  id: number;
  t0: number;
  t1: number;
  samples: number;
  seq: number;
}

/** series_meta row holding the highest flush sequence written. */
export const FLUSH_SEQ = "flush_seq";

/** How many chunks of one size class compaction merges into one. */
export const FANOUT = 4;

/**
 * Chunks compaction will still merge get ids from here up (final ones from 1 up). Both kinds are
 * appended in id order, so the table's b-tree keeps them apart: pages of short-lived chunks empty
 * out whole and are reused, instead of leaving holes between long-lived rows.
 */
export const TEMP_ID_BASE = 2 ** 52;

export interface HistoryOptions {
  rawMs: number;
  rollupMs: number;
  /** A chunk holds at most this many samples; smaller ones are merged up to it (compaction). */
  maxChunkSamples: number;
  /** How long after an hour ends its rollup may be written, at the earliest (its last flush must be in). */
  rollupDelayMs: number;
  /**
   * How old an hour gets before its rollup is written. Rollups duplicate raw samples while both are
   * kept, so by default they are written a day before raw retention drops the hour; until then the
   * same minutes are computed from raw samples when read.
   */
  rollupAgeMs: number;
}

export class History {
  /** Samples appended since the last flush. */
  log = new SampleLog();
  /** Highest flush sequence number handed out; chunk rows carry theirs. */
  seq = 0;
  /** Next chunk ids (see TEMP_ID_BASE); the store is the only writer of its chunks. */
  nextFinalId = 1;
  nextTempId = TEMP_ID_BASE;
  /** Flushes whose rows may not be committed yet: their samples stay visible to reads. */
  readonly inflight: FlushBatch[] = [];
  /** Per chunk group, its chunks still small enough to be merged. */
  readonly tails = new Map<number, ChunkMeta[]>();
  /** Every hour before this has its rollup written (except the hours in `dirty`). */
  watermark = 0;
  /** Hours (start ms) before the watermark that received samples after their rollup was written → groups. */
  readonly dirty = new Map<number, Set<number>>();

  constructor(
    readonly store: Store,
    readonly clock: Clock,
    readonly index: SeriesIndex,
    readonly opts: HistoryOptions,
  ) {}

  addTail(grp: number, meta: ChunkMeta): void {
    const list = this.tails.get(grp);
    if (list) list.push(meta);
    else this.tails.set(grp, [meta]);
  }

  markDirty(grp: number, hourStart: number): void {
    const set = this.dirty.get(hourStart);
    if (set) set.add(grp);
    else this.dirty.set(hourStart, new Set([grp]));
  }

  isDirty(grp: number, hourStart: number): boolean {
    return this.dirty.get(hourStart)?.has(grp) ?? false;
  }

  scaleOf = (id: number): number | undefined => this.index.get(id)?.scale;

  /** A chunk that FANOUT − 1 peers would push past the size limit is never merged again. */
  isFinal(samples: number): boolean {
    return samples * FANOUT > this.opts.maxChunkSamples;
  }

  chunkId(samples: number): number {
    return this.isFinal(samples) ? this.nextFinalId++ : this.nextTempId++;
  }
}

/** `?, ?, ?` for an IN list. */
export function placeholders(n: number): string {
  return new Array(n).fill("?").join(", ");
}

/** Splits `items` into slices of at most `size`. */
export function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** BLOB columns come back as Buffer (SQLite, PostgreSQL); both are Uint8Array. */
export function asBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  throw new TypeError("expected a BLOB column");
}

/** BIGINT columns may come back as bigint or string depending on the driver. */
export function asNumber(v: unknown): number {
  return typeof v === "number" ? v : Number(v);
}
