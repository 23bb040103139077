import type { ByteReader, ByteWriter } from "./bytes.js";

/**
 * One column of sample values, as compact as their precision allows.
 *
 * Values are stored as decimal fixed point: integers m with v = m / 10^scale, written as zigzag
 * varints of the difference to the previous m (a counter or a steady gauge costs one byte, an
 * integral `ok`/`status` column usually a run of zero bytes), or of the offset from the middle of
 * the column's range when that is shorter (noise around a level); a constant column is one value.
 *
 * Precision, per column (a chunk of one series):
 * - exact: when every value round-trips through some scale 0..6 (integers, prices in cents, values
 *   already rounded by their producer), the smallest such scale is used and decoding returns the
 *   very same doubles;
 * - otherwise the values are rounded to the declared quantum of the metric (`precision`, e.g. 0.001
 *   for ms timings: 1 µs), or, with none declared, to 6 significant digits of the column's largest
 *   magnitude (quantum 10^(⌈log10 max|v|⌉ − 6): 0.001 ms for latencies between 100 ms and 1 s,
 *   the error is at most half a quantum);
 * - values that fit neither (magnitudes beyond 2^51 quanta, subnormal-tiny values) fall back to raw
 *   float64, losslessly.
 * NaN and ±Infinity (a probe that could not measure) are kept exactly, as a short exception list,
 * so one of them does not cost the rest of the column its compact form. -0 is stored as 0.
 */

const MODE_DEC = 0;
const MODE_CONST = 1;
const MODE_F64 = 2;
const MODE_OFFSET = 3;

const KIND_NAN = 0;
const KIND_POS_INF = 1;
const KIND_NEG_INF = 2;

/** Largest decimal scale tried for an exact encoding. */
export const MAX_EXACT_SCALE = 6;
/** Significant digits kept when a column has no exact scale and no declared quantum. */
export const DEFAULT_DIGITS = 6;
/** |m| beyond this would make differences overflow the exact zigzag range. */
const MAX_MANTISSA = 2 ** 51 - 1;

const POW10: number[] = [];
for (let i = 0; i <= 22; i++) POW10.push(10 ** i);

function toFixed(v: number, scale: number): number {
  return scale >= 0 ? Math.round(v * (POW10[scale] as number)) : Math.round(v / (POW10[-scale] as number));
}

function fromFixed(m: number, scale: number): number {
  return scale >= 0 ? m / (POW10[scale] as number) : m * (POW10[-scale] as number);
}

/** The scale that stores `values` losslessly, or undefined. */
function exactScale(
  values: ArrayLike<number>,
  start: number,
  end: number,
  maxScale: number,
): number | undefined {
  next: for (let s = 0; s <= maxScale; s++) {
    for (let i = start; i < end; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) continue;
      const m = toFixed(v, s);
      if (fromFixed(m, s) !== v || Math.abs(m) > MAX_MANTISSA) continue next;
    }
    return s;
  }
  return undefined;
}

/**
 * The scale a declared quantum means: 0.001 → 3. A quantum must be a power of ten (1, 0.1, 0.01,
 * 10, ...); anything else is refused, as silently rounding to a different one would mislead.
 */
export function quantumScale(quantum: number): number {
  const s = -Math.round(Math.log10(quantum));
  if (!(quantum > 0) || Math.abs(fromFixed(1, s) - quantum) > quantum * 1e-9 || Math.abs(s) > 22) {
    throw new RangeError(`precision quantum must be a power of ten (like 0.001), got ${quantum}`);
  }
  return s;
}

/**
 * Appends the column `values[start..end)` to `w`. `declaredScale` is the metric's precision, if
 * one was declared (see quantumScale).
 */
export function encodeValues(
  w: ByteWriter,
  values: ArrayLike<number>,
  start: number,
  end: number,
  declaredScale?: number,
): void {
  let specials = 0;
  let maxAbs = 0;
  for (let i = start; i < end; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) specials++;
    else if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
  }

  let scale = exactScale(values, start, end, Math.min(MAX_EXACT_SCALE, declaredScale ?? MAX_EXACT_SCALE));
  if (scale === undefined) {
    scale = declaredScale ?? DEFAULT_DIGITS - Math.ceil(Math.log10(maxAbs));
    if (scale > 22 || scale < -22 || Math.abs(toFixed(maxAbs, scale)) > MAX_MANTISSA) scale = undefined;
  }

  if (scale === undefined) {
    w.u8(MODE_F64);
    writeSpecials(w, values, start, end, specials);
    for (let i = start; i < end; i++) {
      const v = values[i] as number;
      if (Number.isFinite(v)) w.f64(v);
    }
    return;
  }

  const fixed: number[] = [];
  for (let i = start; i < end; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) fixed.push(toFixed(v, scale));
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const m of fixed) {
    if (m < lo) lo = m;
    if (m > hi) hi = m;
  }

  if (fixed.length > 0 && lo === hi) {
    w.u8(MODE_CONST);
    w.svar(scale);
    writeSpecials(w, values, start, end, specials);
    w.svar(lo);
    return;
  }

  // Differences suit trends and counters; offsets from the middle suit noise around a level
  // (a difference of two noisy values is twice as wide). Whichever is shorter is written.
  const mid = Math.round((lo + hi) / 2);
  let byDelta = 0;
  let byOffset = svarLen(mid);
  let prev = 0;
  for (const m of fixed) {
    byDelta += svarLen(m - prev);
    byOffset += svarLen(m - mid);
    prev = m;
  }
  const offset = byOffset < byDelta;
  w.u8(offset ? MODE_OFFSET : MODE_DEC);
  w.svar(scale);
  writeSpecials(w, values, start, end, specials);
  if (offset) {
    w.svar(mid);
    for (const m of fixed) w.svar(m - mid);
    return;
  }
  prev = 0;
  for (const m of fixed) {
    w.svar(m - prev);
    prev = m;
  }
}

/** Bytes of a zigzag varint. */
function svarLen(n: number): number {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  let len = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    len++;
  }
  return len;
}

function writeSpecials(
  w: ByteWriter,
  values: ArrayLike<number>,
  start: number,
  end: number,
  count: number,
): void {
  w.uvar(count);
  if (count === 0) return;
  let last = start;
  for (let i = start; i < end; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) continue;
    w.uvar(i - last);
    last = i;
    w.u8(Number.isNaN(v) ? KIND_NAN : v > 0 ? KIND_POS_INF : KIND_NEG_INF);
  }
}

/** Reads `n` values written by encodeValues into `out[offset..offset+n)`. */
export function decodeValues(r: ByteReader, n: number, out: Float64Array, offset: number): void {
  const mode = r.u8();
  const scale = mode === MODE_F64 ? 0 : r.svar();
  const specials = r.uvar();
  // Specials are placed first; finite values then fill the remaining slots in order.
  let filled: Uint8Array | undefined;
  if (specials > 0) {
    filled = new Uint8Array(n);
    let pos = 0;
    for (let k = 0; k < specials; k++) {
      pos += r.uvar();
      const kind = r.u8();
      if (pos >= n) throw new RangeError("corrupt value column: special out of range");
      out[offset + pos] = kind === KIND_NAN ? Number.NaN : kind === KIND_POS_INF ? Infinity : -Infinity;
      filled[pos] = 1;
    }
  }
  if (mode === MODE_F64) {
    for (let i = 0; i < n; i++) if (!filled?.[i]) out[offset + i] = r.f64();
  } else if (mode === MODE_CONST) {
    const v = fromFixed(r.svar(), scale);
    for (let i = 0; i < n; i++) if (!filled?.[i]) out[offset + i] = v;
  } else if (mode === MODE_DEC) {
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (filled?.[i]) continue;
      m += r.svar();
      out[offset + i] = fromFixed(m, scale);
    }
  } else if (mode === MODE_OFFSET) {
    const mid = r.svar();
    for (let i = 0; i < n; i++) if (!filled?.[i]) out[offset + i] = fromFixed(mid + r.svar(), scale);
  } else {
    throw new RangeError(`corrupt value column: mode ${mode}`);
  }
}
