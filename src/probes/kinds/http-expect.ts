/**
 * Judging a response against `expect` (DESIGN §3). Checks run in the order status, headers, body;
 * the first that fails is the result's `error`.
 *
 * - `status`: the response status must be one of the list; without it any 200–399 is ok.
 * - `header: { name: value }`: the header (name case-insensitive) must be present and its value
 *   must contain `value` as a case-sensitive substring; an empty `value` only requires presence.
 *   Repeated headers are joined with ", " first.
 * - `body_contains`: the body must contain the text (compared as UTF-8 bytes); only the first
 *   {@link BODY_LIMIT} bytes are read.
 * - `max_latency`: the whole exchange must take at most this long (the seed SDK's `slo_ms`).
 */
import type { HttpProbeConfig } from "../../config/index.js";

/** Bytes of a response body read at most; the rest is not downloaded (the connection is dropped). */
export const BODY_LIMIT = 1024 * 1024;

export type HttpExpect = NonNullable<HttpProbeConfig["expect"]>;

export function checkStatus(status: number, expected: readonly number[] | undefined): string | undefined {
  if (expected === undefined) {
    return status >= 200 && status <= 399 ? undefined : `expected status 200-399, got ${status}`;
  }
  return expected.includes(status) ? undefined : `expected status ${listWords(expected)}, got ${status}`;
}

export function checkHeaders(
  headers: Readonly<Record<string, string | undefined>>,
  expected: Readonly<Record<string, string>> | undefined,
): string | undefined {
  if (!expected) return undefined;
  for (const [name, want] of Object.entries(expected)) {
    const value = headers[name.toLowerCase()];
    if (value === undefined) return `header "${name}" missing`;
    if (!value.includes(want)) {
      return `header "${name}" is ${JSON.stringify(clip(value))}, expected it to contain ${JSON.stringify(want)}`;
    }
  }
  return undefined;
}

export function checkBody(
  body: Buffer | undefined,
  needle: string | undefined,
  truncated: boolean,
): string | undefined {
  if (needle === undefined) return undefined;
  if (body?.includes(needle)) return undefined;
  const within = truncated ? ` (in the first ${BODY_LIMIT} bytes)` : "";
  return `body does not contain ${JSON.stringify(needle)}${within}`;
}

function listWords(values: readonly number[]): string {
  if (values.length === 1) return String(values[0]);
  return `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function checkLatency(totalMs: number, max: number | undefined): string | undefined {
  return max === undefined || totalMs <= max ? undefined : `took ${totalMs} ms, expected at most ${max} ms`;
}
