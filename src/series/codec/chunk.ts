import { deflateRawSync, inflateRawSync } from "node:zlib";
import { ByteReader, ByteWriter } from "./bytes.js";
import { decodeValues, encodeValues } from "./values.js";

/**
 * A raw chunk: the samples of a group of series (the metrics of one probe share its label set and
 * usually its timestamps) over a stretch of time, as one BLOB.
 *
 *   u8  header: version << 4 | flags (bit 0: the body is raw-deflated)
 *   body:
 *     uvar nTs; nTs × { uvar n, uvar bytes, timestamps }
 *     uvar nSeries; nSeries × { uvar id − previous id, uvar ts column, uvar bytes, values }
 *
 * Timestamps (whole epoch ms, ascending) are the first one, the first delta and then deltas of
 * deltas, all zigzag varints: a probe on a fixed interval with scheduling jitter of a few ms costs
 * one byte per sample. Series with identical timestamps share one column, so an http probe result
 * pays for its timestamp once, not once per metric. Values: see values.ts. Byte lengths let a
 * reader skip the series it does not want without decoding them.
 */

const VERSION = 1;
const FLAG_DEFLATE = 1;
/** Bodies smaller than this are not worth a deflate attempt (its framing eats the gain). */
const DEFLATE_MIN = 96;

export interface ChunkSeries {
  id: number;
  /** Ascending whole milliseconds. */
  ts: ArrayLike<number>;
  values: ArrayLike<number>;
  /** How many of `ts`/`values` belong to the chunk (from index 0). */
  n: number;
  /** Declared decimal scale of the metric's precision, if any. */
  scale?: number;
}

export interface DecodedSeries {
  id: number;
  ts: Float64Array;
  values: Float64Array;
}

const body = new ByteWriter(4096);
const part = new ByteWriter(1024);

export function encodeChunk(series: readonly ChunkSeries[], opts: { deflate: boolean }): Uint8Array {
  const sorted = [...series].sort((a, b) => a.id - b.id);
  const tsCols: ChunkSeries[] = [];
  const colOf = sorted.map((s) => {
    let k = tsCols.findIndex((c) => sameTimestamps(c, s));
    if (k < 0) k = tsCols.push(s) - 1;
    return k;
  });

  body.reset();
  body.uvar(tsCols.length);
  for (const c of tsCols) {
    part.reset();
    encodeTimestamps(part, c.ts, c.n);
    body.uvar(c.n);
    body.uvar(part.pos);
    body.bytes(part.written());
  }
  body.uvar(sorted.length);
  let prevId = 0;
  sorted.forEach((s, i) => {
    part.reset();
    encodeValues(part, s.values, 0, s.n, s.scale);
    body.uvar(s.id - prevId);
    prevId = s.id;
    body.uvar(colOf[i] as number);
    body.uvar(part.pos);
    body.bytes(part.written());
  });

  const raw = body.written();
  if (opts.deflate && raw.length >= DEFLATE_MIN) {
    const packed = deflateRawSync(raw, { level: 6 });
    if (packed.length + 1 < raw.length + 1) return withHeader(FLAG_DEFLATE, packed);
  }
  return withHeader(0, raw);
}

function withHeader(flags: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = (VERSION << 4) | flags;
  out.set(payload, 1);
  return out;
}

function sameTimestamps(a: ChunkSeries, b: ChunkSeries): boolean {
  if (a.n !== b.n) return false;
  for (let i = 0; i < a.n; i++) if (a.ts[i] !== b.ts[i]) return false;
  return true;
}

function encodeTimestamps(w: ByteWriter, ts: ArrayLike<number>, n: number): void {
  if (n === 0) return;
  let prev = ts[0] as number;
  w.svar(prev);
  let prevDelta = 0;
  for (let i = 1; i < n; i++) {
    const t = ts[i] as number;
    const delta = t - prev;
    w.svar(delta - prevDelta);
    prevDelta = delta;
    prev = t;
  }
}

function decodeTimestamps(r: ByteReader, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 0) return out;
  let t = r.svar();
  out[0] = t;
  let delta = 0;
  for (let i = 1; i < n; i++) {
    delta += r.svar();
    t += delta;
    out[i] = t;
  }
  return out;
}

/** Opens a chunk: the body, inflated if need be. */
function open(blob: Uint8Array): Uint8Array {
  const header = blob[0];
  if (header === undefined || header >> 4 !== VERSION) {
    throw new RangeError(`unknown series chunk version ${header === undefined ? "(empty)" : header >> 4}`);
  }
  const payload = blob.subarray(1);
  return header & FLAG_DEFLATE ? inflateRawSync(payload) : payload;
}

/** Decodes the series of a chunk that `want` accepts (all of them without `want`), ascending by id. */
export function decodeChunk(blob: Uint8Array, want?: (id: number) => boolean): DecodedSeries[] {
  const r = new ByteReader(open(blob));
  const nTs = r.uvar();
  const cols: { n: number; start: number; end: number; ts?: Float64Array }[] = [];
  for (let k = 0; k < nTs; k++) {
    const n = r.uvar();
    const len = r.uvar();
    cols.push({ n, start: r.pos, end: r.pos + len });
    r.skip(len);
  }
  const out: DecodedSeries[] = [];
  const nSeries = r.uvar();
  let id = 0;
  for (let k = 0; k < nSeries; k++) {
    id += r.uvar();
    const col = cols[r.uvar()];
    const len = r.uvar();
    if (!col) throw new RangeError("corrupt series chunk: bad timestamp column");
    if (want && !want(id)) {
      r.skip(len);
      continue;
    }
    col.ts ??= decodeTimestamps(new ByteReader(r.buf, col.start, col.end), col.n);
    const values = new Float64Array(col.n);
    decodeValues(new ByteReader(r.buf, r.pos, r.pos + len), col.n, values, 0);
    r.skip(len);
    out.push({ id, ts: col.ts, values });
  }
  return out;
}

/** The ids a chunk holds, without decoding any sample. */
export function chunkSeriesIds(blob: Uint8Array): number[] {
  const ids: number[] = [];
  decodeChunk(blob, (id) => {
    ids.push(id);
    return false;
  });
  return ids;
}
