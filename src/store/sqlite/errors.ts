import { OpsError } from "../../core/errors.js";

/** SQLite result codes that mean the store itself is unusable, not that the statement was wrong. */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CORRUPT|NOTADB|CANTOPEN|PROTOCOL|PERM|AUTH)/;
/** Uniqueness violations become `conflict`, the portable code callers can rely on (PostgreSQL too). */
const CONFLICT = /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/;

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined;
}

/** Translates a better-sqlite3 error into an OpsError where the code carries meaning; others pass through. */
export function toStoreError(err: unknown, file: string): unknown {
  const code = sqliteCode(err);
  if (!code) return err;
  const message = (err as Error).message;
  if (CONFLICT.test(code)) return new OpsError("conflict", message, { cause: err });
  if (UNAVAILABLE.test(code)) {
    return new OpsError("store_unavailable", `data store ${file}: ${describe(code, message)}`, {
      cause: err,
    });
  }
  return err;
}

/** A sentence an operator can act on, for the failures one meets when opening a data file. */
export function describe(code: string, message: string): string {
  if (code === "SQLITE_NOTADB") return `not an HMS-OPS database (${message})`;
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return `locked by another process (${message}); is another HMS-OPS running on this data dir?`;
  }
  if (code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_PERM"))
    return `not writable (${message})`;
  if (code.startsWith("SQLITE_CANTOPEN")) return `cannot be opened (${message})`;
  if (code.startsWith("SQLITE_CORRUPT")) return `corrupt (${message}); restore from a backup`;
  return message;
}

export { sqliteCode };
