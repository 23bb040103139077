import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { resolve } from "node:path";
import { type AuditKeys, loadOrCreateSigningKeys, writeAuditExport } from "../../audit/index.js";
import { systemClock } from "../../core/clock.js";
import { OpsError } from "../../core/errors.js";
import {
  type DataDirOptions,
  dataDirOf,
  hasCheckpointTable,
  openExistingStore,
  parseTime,
  trustedKey,
} from "./audit-data.js";

export interface AuditExportOptions extends DataDirOptions {
  from?: string;
  to?: string;
  /** Default: stdout. */
  output?: string;
}

/** JSONL of the entries in range plus the checkpoints that cover them (docs/audit.md). */
export async function auditExport(opts: AuditExportOptions): Promise<number> {
  const from = parseTime("--from", opts.from);
  const to = parseTime("--to", opts.to);
  if (from !== undefined && to !== undefined && from > to) {
    throw new OpsError("bad_request", "--from is after --to", {
      details: [{ path: "--from", message: "must not be after --to" }],
    });
  }
  const dataDir = await dataDirOf(opts);
  const store = await openExistingStore(dataDir);
  try {
    if (!(await hasCheckpointTable(store))) {
      throw new OpsError(
        "not_found",
        `${dataDir} has no audit checkpoints yet: start the server once with this version`,
      );
    }
    const keys = await signingOrPublicKey(dataDir);
    const out: WriteStream | NodeJS.WriteStream = opts.output
      ? createWriteStream(resolve(opts.output))
      : process.stdout;
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, "drain");
    };
    const summary = await writeAuditExport({ store, clock: systemClock, keys, from, to, write });
    if (out !== process.stdout) {
      out.end();
      await once(out, "finish");
    }
    const range = summary.entries > 0 ? ` (seq ${summary.firstSeq}–${summary.lastSeq})` : "";
    const beyond =
      summary.beyondTo > 0
        ? `; ${summary.beyondTo} entries after --to are included so the export ends on a checkpoint`
        : "";
    const signed = summary.signed ? `; signed checkpoint #${summary.signed.n} for it` : "";
    process.stderr.write(
      `exported ${summary.entries} entries${range} and ${summary.checkpoints} checkpoints${opts.output ? ` to ${opts.output}` : ""}${beyond}${signed}; key ${keys.keyId}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * The private key lets the export sign the head when its range ends after the newest checkpoint.
 * Without it (another user, say) the export still works when a checkpoint covers the range.
 */
async function signingOrPublicKey(dataDir: string): Promise<AuditKeys> {
  try {
    return loadOrCreateSigningKeys(dataDir, { create: false });
  } catch (err) {
    const { keys } = await trustedKey(dataDir, undefined);
    if (!keys) throw err;
    process.stderr.write(`hms-ops: warning: ${(err as Error).message}; cannot sign a new checkpoint\n`);
    return keys;
  }
}
