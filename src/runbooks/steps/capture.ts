import type { Redact } from "./redact.js";

/**
 * Keeps the first `limit` bytes of a stream and counts the rest. It keeps `redact.longest` bytes
 * more than it returns, so a secret that straddles the cap is still seen whole (and redacted)
 * before the text is cut.
 */
export class Capture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** Every byte seen, kept or not. */
  total = 0;

  constructor(
    private readonly limit: number,
    private readonly redact: Redact,
  ) {}

  push(chunk: Buffer | Uint8Array): void {
    this.total += chunk.length;
    const room = this.limit + this.redact.longest - this.kept;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(Buffer.from(part));
    this.kept += part.length;
  }

  /** True once more than `limit` bytes came in: the caller may stop reading. */
  get full(): boolean {
    return this.total > this.limit + this.redact.longest;
  }

  get truncated(): boolean {
    return this.total > this.limit;
  }

  /** The kept text, secrets redacted, cut at `limit` bytes of the original output. */
  text(): string {
    const kept = Buffer.concat(this.chunks);
    if (kept.length <= this.limit) return this.redact(kept.toString("utf8"));
    // A multi-byte character cut at the cap decodes as U+FFFD: end before it rather than show garbage.
    const end = kept
      .subarray(0, this.limit)
      .toString("utf8")
      .replace(/\uFFFD$/, "").length;
    return this.redact.upTo(kept.toString("utf8"), end);
  }
}
