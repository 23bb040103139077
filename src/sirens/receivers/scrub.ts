import { REDACTED, redactUrl } from "../../core/redact.js";

/** Shorter values (`1`, `on`) are too likely to be ordinary words to blank out everywhere. */
const MIN_SECRET_LENGTH = 4;

/**
 * Removes every secret from `text`: each listed value (also URL-encoded), and credentials in any
 * URL. Receivers pass every error message through this before it leaves them.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  const values = new Set<string>();
  for (const s of secrets) {
    if (s.length < MIN_SECRET_LENGTH) continue;
    values.add(s);
    values.add(encodeURIComponent(s));
  }
  // Longest first, so a secret that contains another is removed whole.
  for (const v of [...values].sort((a, b) => b.length - a.length)) out = out.split(v).join(REDACTED);
  return out.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^/@\s]+@/gi, (m) => redactUrl(m));
}
