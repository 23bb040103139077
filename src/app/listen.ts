import { isIP } from "node:net";
import { OpsError } from "../core/errors.js";

export interface ListenAddress {
  host: string;
  port: number;
}

export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

/** `HMS_OPS_LISTEN` / `--listen`: `host:port`, `[v6]:port` or `:port`. */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw new OpsError(
      "bad_request",
      `invalid listen address "${text}" (expected host:port, e.g. 127.0.0.1:8080)`,
    );
  }
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

/** Without any token every request is trusted, so only this machine may connect. */
export function assertSafeListen(address: ListenAddress, tokenCount: number): void {
  if (tokenCount > 0 || isLoopback(address.host)) return;
  throw new OpsError(
    "unsafe_listen",
    `refusing to listen on ${address.host}:${address.port}: no token is configured, so anyone who can ` +
      "reach this address could change probes and acknowledge incidents. Add server.auth.tokens to " +
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ops.yml syntax, shown to the user as is.
      'ops.yml (e.g. { name: admin, scopes: [admin], secret: "${HMS_OPS_TOKEN}" }) or listen on 127.0.0.1.',
  );
}
