import { OpsError } from "../core/errors.js";
import type { Dialect, Migration } from "./index.js";

/**
 * The engine-independent half of `Store.migrate`: which migrations still have to run, in which
 * order, and whether this build may touch the data at all. Each implementation then applies the
 * plan, one transaction per migration, and records it in `schema_migrations`.
 */

/** Created by every implementation before the first `migrate`; portable DDL. */
export const SCHEMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  module TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL,
  PRIMARY KEY (module, version)
)`;

export interface AppliedMigration {
  module: string;
  version: number;
}

/**
 * Orders `list` by module (in the order modules first appear, so an app can register modules
 * whose tables reference each other) and by version within a module, and drops what is applied.
 * Refuses when the database holds a version of a module newer than this build knows: running old
 * code over newer tables could silently corrupt them.
 */
export function planMigrations(
  list: readonly Migration[],
  applied: readonly AppliedMigration[],
): Migration[] {
  const byModule = new Map<string, Migration[]>();
  for (const m of list) {
    if (!Number.isInteger(m.version) || m.version < 1) {
      throw new OpsError("internal", `migration ${m.module} "${m.name}": version must be a positive integer`);
    }
    const group = byModule.get(m.module) ?? [];
    if (group.some((other) => other.version === m.version)) {
      throw new OpsError("internal", `migration ${m.module} v${m.version} is listed twice`);
    }
    group.push(m);
    byModule.set(m.module, group);
  }

  const done = new Set(applied.map((a) => `${a.module}\u0000${a.version}`));
  const plan: Migration[] = [];
  for (const [module, group] of byModule) {
    group.sort((a, b) => a.version - b.version);
    const known = group[group.length - 1]?.version ?? 0;
    const newest = Math.max(0, ...applied.filter((a) => a.module === module).map((a) => a.version));
    if (newest > known) {
      throw new OpsError(
        "store_unavailable",
        `data dir was written by a newer HMS-OPS: module "${module}" is at schema version ${newest}, ` +
          `this build knows up to ${known}; upgrade HMS-OPS or restore a matching backup`,
      );
    }
    for (const m of group) if (!done.has(`${module}\u0000${m.version}`)) plan.push(m);
  }
  return plan;
}

export function migrationSql(m: Migration, dialect: Dialect): string {
  return typeof m.sql === "string" ? m.sql : m.sql[dialect];
}
