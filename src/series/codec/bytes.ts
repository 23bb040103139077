/**
 * Byte-level building blocks of the durable encodings: unsigned LEB128 varints and zigzag signed
 * varints over plain numbers (exact up to 2^53, no BigInt), and little-endian float64.
 */

/** Largest magnitude a zigzag varint carries exactly (zigzag doubles it, and 2^53 is the float limit). */
export const MAX_ZIGZAG = 2 ** 52 - 1;

const TWO_31 = 2 ** 31;

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(n: number): void {
    this.ensure(1);
    this.buf[this.pos++] = n;
  }

  /** Unsigned integer 0 ≤ n < 2^53. */
  uvar(n: number): void {
    this.ensure(8);
    const buf = this.buf;
    let pos = this.pos;
    if (n < TWO_31) {
      while (n >= 0x80) {
        buf[pos++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
    } else {
      while (n >= 0x80) {
        buf[pos++] = (n % 128) | 0x80;
        n = Math.floor(n / 128);
      }
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  /** Signed integer |n| ≤ MAX_ZIGZAG: small magnitudes of either sign take few bytes. */
  svar(n: number): void {
    this.uvar(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  f64(n: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, n, true);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A copy of what was written (the writer may be reused after `reset`). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** A view of what was written; valid until the next write or `reset`. */
  written(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }
}

export class ByteReader {
  pos: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) throw truncated();
    return this.buf[this.pos++] as number;
  }

  uvar(): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    let mul = 1;
    for (;;) {
      if (pos >= this.end) throw truncated();
      const b = buf[pos++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
      if (mul > 2 ** 56) throw new RangeError("corrupt varint");
    }
    this.pos = pos;
    return result;
  }

  svar(): number {
    const z = this.uvar();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  f64(): number {
    if (this.pos + 8 > this.end) throw truncated();
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  skip(n: number): void {
    if (this.pos + n > this.end) throw truncated();
    this.pos += n;
  }
}

function truncated(): RangeError {
  return new RangeError("truncated encoding");
}
