import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { type Clock, systemClock } from "../../core/clock.js";
import { OpsError } from "../../core/errors.js";
import type { Store } from "../index.js";
import { SCHEMA_MIGRATIONS_DDL } from "../migrations.js";
import { describe, sqliteCode } from "./errors.js";
import { SqliteStore } from "./sqlite-store.js";

export interface SqliteStoreOptions {
  /** The database file (`./data/ops.db`); `:memory:` for a throwaway store. */
  file: string;
  /** How long a statement waits for another process's write lock before failing. Default 5000. */
  busyTimeoutMs?: number;
  /** Stamps `schema_migrations.applied_at`. Default: the system clock. */
  clock?: Clock;
}

/**
 * Opens (creating if needed) the embedded store. Fails fast, naming the file, when it is not a
 * database, is locked by another process or cannot be written: better at start-up than on the
 * first write of a live incident.
 */
export async function openSqliteStore(opts: SqliteStoreOptions): Promise<Store> {
  const memory = opts.file === ":memory:";
  const file = memory ? opts.file : path.resolve(opts.file);
  let db: Database.Database | undefined;
  try {
    if (!memory) prepareFile(file);
    db = new Database(file);
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    // The first read of the file: this is where a non-database file is noticed.
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    // Take the write lock once, so a locked or read-only file is refused now, not mid-incident.
    db.exec("BEGIN IMMEDIATE");
    db.exec(SCHEMA_MIGRATIONS_DDL);
    db.exec("COMMIT");
    return new SqliteStore(db, file, opts.clock ?? systemClock);
  } catch (err) {
    if (db?.open) {
      if (db.inTransaction) db.exec("ROLLBACK");
      db.close();
    }
    throw openError(file, err);
  }
}

/** The data dir holds incidents, the audit trail and queued notifications: private to the service user. */
function prepareFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, "a", 0o600));
}

function openError(file: string, err: unknown): OpsError {
  if (err instanceof OpsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = sqliteCode(err);
  const reason = code ? describe(code, message) : message;
  return new OpsError("store_unavailable", `cannot open data store ${file}: ${reason}`, { cause: err });
}
