import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import {
  type AuditVerifyResult,
  createAuditLog,
  type ExportVerifyResult,
  verifyAuditExport,
} from "../../audit/index.js";
import { systemClock } from "../../core/clock.js";
import { OpsError } from "../../core/errors.js";
import {
  type DataDirOptions,
  dataDirOf,
  hasCheckpointTable,
  openExistingStore,
  trustedKey,
} from "./audit-data.js";

export interface AuditVerifyOptions extends DataDirOptions {
  /** An export (`hms-ops audit export`) instead of the live data dir. */
  file?: string;
  /** PEM file of the trusted public key. */
  publicKey?: string;
}

/** Exit 0 when the chain and every checkpoint signature hold; 1 naming the first problem. */
export async function auditVerify(opts: AuditVerifyOptions): Promise<number> {
  return opts.file ? verifyFile(opts.file, opts.publicKey) : verifyDataDir(opts);
}

async function verifyDataDir(opts: AuditVerifyOptions): Promise<number> {
  const dataDir = await dataDirOf(opts);
  const store = await openExistingStore(dataDir);
  try {
    const { keys, source } = await trustedKey(dataDir, opts.publicKey);
    const withCheckpoints = await hasCheckpointTable(store);
    const audit = createAuditLog(store, systemClock, keys && withCheckpoints ? { keys } : {});
    const result = await audit.verify();
    if (result.ok && !keys && withCheckpoints && (await audit.checkpoints({ limit: 1 })).length > 0) {
      return tampered(
        `checkpoints are stored but there is no public key to check them (${source} missing; pass --public-key)`,
        result.entries,
      );
    }
    if (!result.ok) return tampered(result.firstBad?.reason ?? "unknown", result.entries);
    process.stdout.write(
      `audit trail ok: ${result.entries} entries, head seq ${result.head.seq} ${result.head.hash}\n${checkpointLine(result, source)}`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

function checkpointLine(result: AuditVerifyResult, source: string): string {
  const c = result.checkpoints;
  if (!c)
    return "checkpoints: none checked (no signing key or checkpoints in this data dir yet: the server creates them)\n";
  const last = c.last ? `, last #${c.last.n} signs seq ${c.last.seq} at ${c.last.time}` : "";
  return `checkpoints ok: ${c.count} signed${last}; key ${c.key} (${source})\n`;
}

async function verifyFile(file: string, pinned: string | undefined): Promise<number> {
  const path = resolve(file);
  await access(path).catch((cause: unknown) => {
    throw new OpsError("not_found", `no export file at ${path}`, { cause });
  });
  const { keys } = await trustedKey(undefined, pinned);
  const lines = createInterface({
    input: createReadStream(path, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const result = await verifyAuditExport(lines, keys ? { publicKey: keys } : {});
  lines.close();
  if (!result.ok) {
    const bad = result.firstBad;
    process.stderr.write(
      `audit export TAMPERED: line ${bad?.line ?? 0}: ${bad?.reason ?? "unknown"} (${result.entries} entries and ${result.checkpoints} checkpoints good before it)\n`,
    );
    return 1;
  }
  process.stdout.write(exportSummary(result));
  return 0;
}

function exportSummary(r: ExportVerifyResult): string {
  const range = r.entries > 0 ? ` (seq ${r.firstSeq}–${r.lastSeq})` : "";
  const last = r.last
    ? `, last #${r.last.n} signs seq ${r.last.seq} at ${new Date(r.last.ts).toISOString()}`
    : "";
  const trust = r.pinned
    ? "pinned with --public-key"
    : "taken from the file itself: compare it with the key the server publishes, or pass --public-key";
  return `audit export ok: ${r.entries} entries${range}, ${r.checkpoints} checkpoints${last}\nkey ${r.key} (${trust})\n`;
}

function tampered(reason: string, entries: number): number {
  process.stderr.write(`audit trail TAMPERED: ${reason} (checked ${entries} entries)\n`);
  return 1;
}
