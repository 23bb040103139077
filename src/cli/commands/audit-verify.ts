import { access } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createAuditLog } from "../../audit/index.js";
import { loadConfig } from "../../config/index.js";
import { systemClock } from "../../core/clock.js";
import { OpsError } from "../../core/errors.js";
import { openSqliteStore } from "../../store/sqlite/index.js";

export async function auditVerify(opts: { data?: string; config: string }): Promise<number> {
  const dataDir = opts.data ? resolve(opts.data) : (await loadConfig(opts.config)).config.server.data;
  const file = join(dataDir, "ops.db");
  // Verifying must never create an empty database where the user mistyped a path.
  await access(file).catch((cause: unknown) => {
    throw new OpsError("not_found", `no HMS-OPS database at ${file}`, { cause });
  });
  const store = await openSqliteStore({ file });
  try {
    const result = await createAuditLog(store, systemClock).verify();
    if (result.ok) {
      process.stdout.write(
        `audit trail ok: ${result.entries} entries, head seq ${result.head.seq} ${result.head.hash}\n`,
      );
      return 0;
    }
    process.stderr.write(
      `audit trail TAMPERED: ${result.firstBad?.reason ?? "unknown"} (checked ${result.entries} entries)\n`,
    );
    return 1;
  } finally {
    await store.close();
  }
}
