/**
 * Secrets never reach logs, the audit trail or API replies. Values under these keys are replaced,
 * and credentials inside URLs (`smtp://user:pass@host`) are masked.
 */
const SECRET_KEYS = new Set([
  "secret",
  "secrets",
  "password",
  "pass",
  "token",
  "routing_key",
  "authorization",
  "api_key",
  "apikey",
]);

export const REDACTED = "[redacted]";

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase());
}

export function redactUrl(value: string): string {
  return value.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]+)@/i,
    (_m, scheme: string) => `${scheme}${REDACTED}@`,
  );
}

/** A deep copy of `value` with secret keys replaced and URL credentials masked. */
export function redact<T>(value: T): T {
  return redactValue(value) as T;
}

function redactValue(value: unknown): unknown {
  if (typeof value === "string") return redactUrl(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    // A Slack incoming-webhook URL is a capability: the whole URL is the secret.
    const capability = (value as { type?: unknown }).type === "slack";
    for (const [k, v] of Object.entries(value))
      out[k] = (isSecretKey(k) || (capability && k === "url")) && v != null ? REDACTED : redactValue(v);
    return out;
  }
  return value;
}
