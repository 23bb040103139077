import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "X-HMS-OPS-Signature";

/**
 * `sha256=` + lowercase hex HMAC-SHA256 of the exact request body bytes (UTF-8 JSON), keyed with
 * the receiver's `secret`. A receiver recomputes it over the raw body it read, before parsing.
 */
export function signBody(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Constant-time check of a signature header against the raw body; what a receiver runs. */
export function verifySignature(
  body: string | Uint8Array,
  secret: string,
  header: string | undefined,
): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(body, secret));
  const got = Buffer.from(header.trim());
  return expected.length === got.length && timingSafeEqual(expected, got);
}
