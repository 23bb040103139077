import { deflateRawSync, inflateRawSync } from "node:zlib";
import { ByteReader, ByteWriter } from "./bytes.js";
import { emptyAggs, MINUTE_MS, type MinuteAggs } from "./minutes.js";
import { decodeValues, encodeValues } from "./values.js";

/**
 * The per-minute rollups of a chunk group for one UTC day, as one BLOB (a row per hour would cost
 * more in row overhead and page slack than its content for a slow probe; a day is also what a
 * month-long query wants to read).
 *
 *   u8 header: version << 4 | flags (bit 0: body raw-deflated)
 *   body: uvar nSeries; nSeries × { uvar id − previous id, uvar bytes, series }
 *   series: which minutes of the day have samples, as runs (uvar nRuns, then uvar gap and uvar
 *     length each); then value columns (values.ts): counts; first (the minimum, or the only value
 *     when count = 1); max (count ≥ 2); a bit per count-2 minute, set when last = max; last and
 *     sum (count ≥ 3)
 *
 * What can be derived is not stored: with one sample, min = max = last = sum; with two,
 * sum = min + max (exactly: IEEE addition commutes) and last is one of them. So a probe on a 30 s
 * interval pays for its two values per minute, not for five figures.
 */

const VERSION = 1;
const FLAG_DEFLATE = 1;
const DEFLATE_MIN = 96;
export const DAY_MS = 86_400_000;
const MINUTES = DAY_MS / MINUTE_MS;

const body = new ByteWriter(4096);
const part = new ByteWriter(1024);

export interface RollupSeries {
  id: number;
  /** Minutes of this day only, ascending. */
  aggs: MinuteAggs;
  scale?: number;
}

export function encodeRollup(dayStart: number, series: readonly RollupSeries[]): Uint8Array {
  const sorted = [...series].filter((s) => s.aggs.t.length > 0).sort((a, b) => a.id - b.id);
  body.reset();
  body.uvar(sorted.length);
  let prevId = 0;
  for (const s of sorted) {
    part.reset();
    encodeSeries(part, dayStart, s);
    body.uvar(s.id - prevId);
    prevId = s.id;
    body.uvar(part.pos);
    body.bytes(part.written());
  }
  const raw = body.written();
  let flags = 0;
  let payload: Uint8Array = raw;
  if (raw.length >= DEFLATE_MIN) {
    const packed = deflateRawSync(raw, { level: 6 });
    if (packed.length < raw.length) {
      flags = FLAG_DEFLATE;
      payload = packed;
    }
  }
  const out = new Uint8Array(payload.length + 1);
  out[0] = (VERSION << 4) | flags;
  out.set(payload, 1);
  return out;
}

function encodeSeries(w: ByteWriter, dayStart: number, s: RollupSeries): void {
  const a = s.aggs;
  const runs: number[] = [];
  let prev = -1;
  let runStart = -1;
  const max: number[] = [];
  const pairLast: number[] = [];
  const last: number[] = [];
  const sum: number[] = [];
  for (let i = 0; i < a.t.length; i++) {
    const minute = Math.round(((a.t[i] as number) - dayStart) / MINUTE_MS);
    if (minute <= prev || minute >= MINUTES)
      throw new RangeError(`minute ${a.t[i]} out of order or outside day ${dayStart}`);
    if (minute !== prev + 1 || runStart < 0) {
      if (runStart >= 0) runs.push(runStart, prev + 1 - runStart);
      runStart = minute;
    }
    prev = minute;
    const count = a.count[i] as number;
    if (count >= 2) max.push(a.max[i] as number);
    if (count === 2) pairLast.push(a.last[i] === a.max[i] ? 1 : 0);
    if (count >= 3) {
      last.push(a.last[i] as number);
      sum.push(a.sum[i] as number);
    }
  }
  if (runStart >= 0) runs.push(runStart, prev + 1 - runStart);
  w.uvar(runs.length / 2);
  let end = 0;
  for (let i = 0; i < runs.length; i += 2) {
    w.uvar((runs[i] as number) - end);
    w.uvar(runs[i + 1] as number);
    end = (runs[i] as number) + (runs[i + 1] as number);
  }
  encodeValues(w, a.count, 0, a.count.length, 0);
  encodeValues(w, a.min, 0, a.min.length, s.scale);
  encodeValues(w, max, 0, max.length, s.scale);
  for (let i = 0; i < pairLast.length; i += 8) {
    let bits = 0;
    for (let b = 0; b < 8 && i + b < pairLast.length; b++) bits |= (pairLast[i + b] as number) << b;
    w.u8(bits);
  }
  encodeValues(w, last, 0, last.length, s.scale);
  encodeValues(w, sum, 0, sum.length, s.scale);
}

/** Decodes the series `want` accepts (all without it) of one day's rollup. */
export function decodeRollup(
  blob: Uint8Array,
  dayStart: number,
  want?: (id: number) => boolean,
): Map<number, MinuteAggs> {
  const header = blob[0];
  if (header === undefined || header >> 4 !== VERSION) {
    throw new RangeError(`unknown rollup version ${header === undefined ? "(empty)" : header >> 4}`);
  }
  const payload = blob.subarray(1);
  const r = new ByteReader(header & FLAG_DEFLATE ? inflateRawSync(payload) : payload);
  const out = new Map<number, MinuteAggs>();
  const n = r.uvar();
  let id = 0;
  for (let k = 0; k < n; k++) {
    id += r.uvar();
    const len = r.uvar();
    if (want && !want(id)) {
      r.skip(len);
      continue;
    }
    out.set(id, decodeSeries(new ByteReader(r.buf, r.pos, r.pos + len), dayStart));
    r.skip(len);
  }
  return out;
}

function decodeSeries(r: ByteReader, dayStart: number): MinuteAggs {
  const a = emptyAggs();
  const nRuns = r.uvar();
  let end = 0;
  for (let k = 0; k < nRuns; k++) {
    const start = end + r.uvar();
    end = start + r.uvar();
    if (end > MINUTES) throw new RangeError("corrupt rollup: minute outside the day");
    for (let m = start; m < end; m++) a.t.push(dayStart + m * MINUTE_MS);
  }
  const k = a.t.length;
  const counts = column(r, k);
  const mins = column(r, k);
  let pairs = 0;
  let many = 0;
  for (const c of counts) {
    if (c === 2) pairs++;
    else if (c >= 3) many++;
  }
  const maxs = column(r, pairs + many);
  const pairBits: number[] = [];
  for (let i = 0; i < pairs; i += 8) {
    const bits = r.u8();
    for (let b = 0; b < 8 && i + b < pairs; b++) pairBits.push((bits >> b) & 1);
  }
  const lasts = column(r, many);
  const sums = column(r, many);
  let im = 0;
  let ip = 0;
  let il = 0;
  for (let i = 0; i < k; i++) {
    const c = counts[i] as number;
    const lo_ = mins[i] as number;
    a.count.push(c);
    a.min.push(lo_);
    if (c === 1) {
      a.max.push(lo_);
      a.last.push(lo_);
      a.sum.push(lo_);
      continue;
    }
    const hi_ = maxs[im++] as number;
    a.max.push(hi_);
    if (c === 2) {
      a.last.push(pairBits[ip++] ? hi_ : lo_);
      a.sum.push(lo_ + hi_);
    } else {
      a.last.push(lasts[il] as number);
      a.sum.push(sums[il++] as number);
    }
  }
  return a;
}

function column(r: ByteReader, n: number): Float64Array {
  const out = new Float64Array(n);
  decodeValues(r, n, out, 0);
  return out;
}
