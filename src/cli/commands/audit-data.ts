import { access } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type AuditKeys, PUBLIC_KEY_FILE, readPublicKeyFile } from "../../audit/index.js";
import { loadConfig } from "../../config/index.js";
import { OpsError } from "../../core/errors.js";
import type { Store } from "../../store/index.js";
import { openSqliteStore } from "../../store/sqlite/index.js";

/** What the audit commands share: where the data dir is, and its store opened without creating one. */
export interface DataDirOptions {
  data?: string;
  config: string;
}

export async function dataDirOf(opts: DataDirOptions): Promise<string> {
  return opts.data ? resolve(opts.data) : (await loadConfig(opts.config)).config.server.data;
}

export async function openExistingStore(dataDir: string): Promise<Store> {
  const file = join(dataDir, "ops.db");
  // Never create an empty database where the user mistyped a path.
  await access(file).catch((cause: unknown) => {
    throw new OpsError("not_found", `no HMS-OPS database at ${file}`, { cause });
  });
  return openSqliteStore({ file });
}

/** A data dir written before checkpoints existed has no table for them: that is "none", not an error. */
export async function hasCheckpointTable(store: Store): Promise<boolean> {
  const row = await store.get(
    "SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = 'audit_checkpoints'",
  );
  return row !== undefined;
}

/** The key to trust: the one the auditor pinned (`--public-key FILE`), else the data dir's own. */
export async function trustedKey(
  dataDir: string | undefined,
  pinned: string | undefined,
): Promise<{ keys: AuditKeys | undefined; source: string }> {
  if (pinned) {
    const keys = readPublicKeyFile(resolve(pinned));
    if (!keys) throw new OpsError("not_found", `no public key file at ${resolve(pinned)}`);
    return { keys, source: `pinned ${pinned}` };
  }
  if (!dataDir) return { keys: undefined, source: "none" };
  const file = join(dataDir, PUBLIC_KEY_FILE);
  return { keys: readPublicKeyFile(file), source: file };
}

/** Epoch ms from `2026-01-01T00:00:00Z`, `2026-01-01` or a number of milliseconds. */
export function parseTime(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(ms)) {
    throw new OpsError("bad_request", `${flag}: cannot read ${JSON.stringify(value)} as a time`, {
      details: [
        { path: flag, message: "an ISO 8601 time (2026-01-01T00:00:00Z), a date, or epoch milliseconds" },
      ],
    });
  }
  return ms;
}
