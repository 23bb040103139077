import { REDACTED } from "../../core/redact.js";

/**
 * Values shorter than this are not redacted: a 1-3 character "secret" (`on`, `42`) is far more
 * likely to be an ordinary word or number in the output than a credential, and blanking it out
 * everywhere would make output unreadable while protecting nothing worth protecting.
 */
export const MIN_REDACT_LENGTH = 4;

/** A base64 fragment shorter than this could match by chance, so it is not used as a pattern. */
const MIN_BASE64_CORE = 6;

/** Replaces every secret in a text with `[redacted]`. */
export interface Redact {
  (text: string): string;
  /**
   * The first `end` characters of `text`, redacted, where a secret that starts before `end` is
   * replaced whole even if it runs past it: no prefix of a secret survives a cut.
   */
  upTo(text: string, end: number): string;
  /** Bytes of the longest form matched: a capped buffer keeps this much more, so no secret is cut in half. */
  readonly longest: number;
}

/**
 * Builds a redactor for `values`: each value is replaced, and so are the forms it commonly takes in
 * output — URL-encoded, JSON-escaped, and base64 (standard and URL-safe), including base64 of a
 * longer string that contains it (HTTP Basic `user:secret`), whatever its byte offset there.
 */
export function redactor(values: Iterable<string>): Redact {
  const patterns = new Set<string>();
  for (const v of values) {
    if (v.length < MIN_REDACT_LENGTH) continue;
    patterns.add(v);
    patterns.add(encodeURIComponent(v));
    patterns.add(JSON.stringify(v).slice(1, -1));
    for (const core of base64Cores(v)) {
      patterns.add(core);
      patterns.add(core.replaceAll("+", "-").replaceAll("/", "_"));
    }
  }
  if (patterns.size === 0) {
    return Object.assign((text: string) => text, {
      longest: 0,
      upTo: (text: string, end: number) => text.slice(0, end),
    });
  }
  // Longest first, so a secret that contains another is replaced whole.
  const ordered = [...patterns].sort((a, b) => b.length - a.length);
  const re = new RegExp(ordered.map(escapeRegExp).join("|"), "g");
  const longest = Math.max(...ordered.map((p) => Buffer.byteLength(p)));
  const upTo = (text: string, end: number) => {
    let out = "";
    let last = 0;
    for (const m of text.matchAll(re)) {
      if (m.index >= end) break;
      out += text.slice(last, m.index) + REDACTED;
      last = m.index + m[0].length;
    }
    return last < end ? out + text.slice(last, end) : out;
  };
  return Object.assign((text: string) => (text === "" ? text : text.replace(re, REDACTED)), {
    longest,
    upTo,
  });
}

/**
 * The base64 characters that depend only on `value`'s bytes, for each of the three byte offsets it
 * can have inside a longer encoded string: characters shared with the bytes before or after it are
 * left out, so the pattern matches wherever the value sits.
 */
function base64Cores(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const first = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    const core = encoded.slice(first, end);
    if (core.length >= MIN_BASE64_CORE) cores.push(core);
  }
  return cores;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
