/** Who is acting, and what they may do. Scopes: admin ⊇ everything; operate ⊇ read; ingest alone. */
export const SCOPES = ["read", "ingest", "operate", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  /** The token's name from ops.yml (or `system`, `config`, `cli`); recorded as the audit actor. */
  readonly name: string;
  readonly scopes: readonly Scope[];
}

const IMPLIED: Record<Scope, readonly Scope[]> = {
  admin: ["admin", "operate", "read", "ingest"],
  operate: ["operate", "read"],
  read: ["read"],
  ingest: ["ingest"],
};

export function hasScope(principal: Principal, needed: Scope): boolean {
  return principal.scopes.some((s) => IMPLIED[s].includes(needed));
}

/** The process itself (schedulers, rule engine, config reload). */
export const SYSTEM: Principal = Object.freeze({ name: "system", scopes: ["admin"] as const });
