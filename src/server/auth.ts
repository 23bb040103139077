/**
 * Bearer-token authentication and per-route access. Every route declares `config.access`
 * (checked when the route is added, so no route can forget it). Token secrets are compared in
 * constant time against every configured token, so timing reveals neither which token nor how
 * much of one matched.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { OpsError } from "../core/errors.js";
import { hasScope, type Principal, SCOPES, type Scope } from "../core/principal.js";

/** `none`: open (liveness); `board`: open when public_board is on, else `read`; or a scope. */
export type Access = "none" | "board" | Scope;

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

export interface AuthSettings {
  tokens: readonly { name: string; scopes: readonly Scope[]; secret: string }[];
  public_board: boolean;
}

interface Credential {
  principal: Principal;
  digest: Buffer;
}

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/** The anonymous visitor of a public board: may read the board, nothing else. */
export const PUBLIC_VIEWER: Principal = Object.freeze({ name: "public", scopes: [] });
/** With no token configured (loopback only), the local user may do everything. */
export const LOCAL_USER: Principal = Object.freeze({ name: "local", scopes: ["admin"] as const });

export class Authenticator {
  private creds: Credential[] = [];
  private settings: AuthSettings = { tokens: [], public_board: false };

  constructor(settings: AuthSettings) {
    this.update(settings);
  }

  /** Called on config reload: new tokens take effect for the next request. */
  update(settings: AuthSettings): void {
    this.settings = settings;
    this.creds = settings.tokens.map((t) => ({
      principal: Object.freeze({ name: t.name, scopes: [...t.scopes] }),
      digest: digest(t.secret),
    }));
    for (const fn of this.updated) fn();
  }

  private readonly updated = new Set<() => void>();

  /** Long-lived connections (the board's socket) re-check their rights when tokens change. */
  onUpdate(fn: () => void): () => void {
    this.updated.add(fn);
    return () => this.updated.delete(fn);
  }

  get open(): boolean {
    return this.creds.length === 0;
  }

  /** Returns the token's principal, or null when no configured token matches. */
  identify(secret: string): Principal | null {
    const presented = digest(secret);
    let found: Principal | null = null;
    for (const c of this.creds) {
      // No early exit: every credential is compared on every request.
      if (timingSafeEqual(presented, c.digest) && found === null) found = c.principal;
    }
    return found;
  }

  authorize(req: FastifyRequest, access: Access): Principal {
    if (access === "none") return PUBLIC_VIEWER;
    if (this.open) return LOCAL_USER;
    const header =
      req.headers.authorization ??
      (req.headers.upgrade?.toLowerCase() === "websocket"
        ? socketBearer(req.headers["sec-websocket-protocol"])
        : undefined);
    if (header === undefined || header === "") {
      if (access === "board" && this.settings.public_board) return PUBLIC_VIEWER;
      throw new OpsError("unauthenticated", "missing bearer token (Authorization: Bearer <token>)");
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1])
      throw new OpsError("unauthenticated", "malformed Authorization header; expected: Bearer <token>");
    const principal = this.identify(match[1]);
    if (!principal) throw new OpsError("unauthenticated", "invalid token");
    const needed: Scope = access === "board" ? "read" : access;
    if (!hasScope(principal, needed)) {
      throw new OpsError("forbidden", `token "${principal.name}" lacks the "${needed}" scope`);
    }
    return principal;
  }
}

/** WebSocket sub-protocol that carries a token (browsers cannot set Authorization on a socket). */
export const SOCKET_TOKEN_PREFIX = "hms-ops.bearer.";

/**
 * A token offered as the sub-protocol `hms-ops.bearer.<base64url(token)>` on a WebSocket upgrade,
 * turned into the Authorization form; never in the URL, where proxies and logs would keep it.
 */
function socketBearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(",")) {
    const p = part.trim();
    if (p.startsWith(SOCKET_TOKEN_PREFIX)) {
      return `Bearer ${Buffer.from(p.slice(SOCKET_TOKEN_PREFIX.length), "base64url").toString("utf8")}`;
    }
  }
  return undefined;
}

export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

/** Installs authentication; returns the access table of every route added afterwards. */
export function installAuth(app: FastifyInstance, auth: Authenticator): RouteAccess[] {
  const table: RouteAccess[] = [];
  // Reference-type decorations must start null (fastify shares the default); every request sets it.
  app.decorateRequest("principal", null as unknown as Principal);
  app.addHook("onRoute", (route) => {
    const access = route.config?.access;
    for (const method of [route.method].flat()) {
      if (access !== undefined && method !== "HEAD") table.push({ method, url: route.url, access });
    }
    if (access === undefined && !route.url.startsWith("/*")) {
      throw new Error(`route ${route.method} ${route.url} declares no config.access`);
    }
    if (access !== undefined && access !== "none" && access !== "board" && !SCOPES.includes(access)) {
      throw new Error(`route ${route.method} ${route.url}: unknown access "${access}"`);
    }
  });
  app.addHook("onRequest", async (req) => {
    const access = req.routeOptions.config.access;
    // Unknown routes (404) carry no access; they reveal nothing, so they need no token.
    if (access === undefined) return;
    req.principal = auth.authorize(req, access);
  });
  return table;
}
