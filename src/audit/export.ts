import type { Clock } from "../core/clock.js";
import { OpsError } from "../core/errors.js";
import type { Store } from "../store/index.js";
import { listCheckpoints, writeCheckpoint } from "./checkpoints.js";
import type { AuditCheckpoint, AuditKeys } from "./index.js";

/** The first line's `format`; verifiers refuse other values. */
export const EXPORT_FORMAT = "hms-ops-audit-export/1";

export interface ExportOptions {
  store: Store;
  clock: Clock;
  /** With a private half, a checkpoint is signed now when the range's end has none yet. */
  keys: AuditKeys;
  /** Inclusive bounds on the entries' `ts`, epoch ms. */
  from?: number | undefined;
  to?: number | undefined;
  /** Receives the file text, a page of lines at a time. */
  write: (text: string) => Promise<void>;
}

export interface ExportSummary {
  entries: number;
  checkpoints: number;
  /** 0 and 0 when no entry falls in the range. */
  firstSeq: number;
  lastSeq: number;
  /** Entries after `to` included so that the export ends on a signed checkpoint. */
  beyondTo: number;
  /** The checkpoint signed for this export, when the range's end had none yet. */
  signed?: AuditCheckpoint;
}

const PAGE = 5000;
const ENTRY_SQL = `SELECT seq, ts, actor, action, subject, data, prev, hash FROM audit_entries
  WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ${PAGE}`;

/**
 * JSONL (docs/audit.md): a header line `{"export":{...}}` with the public key, then one line per
 * entry with exactly the stored columns (`data` is the stored JSON text, the bytes that were
 * hashed), each `{"checkpoint":{...}}` line right after the entry it signs. The entries run on to
 * the first checkpoint at or after the last entry in range, so the export ends on a signature and
 * a dropped tail shows. Memory stays flat: entries are paged, verification streams.
 */
export async function writeAuditExport(o: ExportOptions): Promise<ExportSummary> {
  const range = await o.store.get<{ lo: number | null; hi: number | null }>(
    "SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM audit_entries WHERE ts >= ? AND ts <= ?",
    [o.from ?? Number.MIN_SAFE_INTEGER, o.to ?? Number.MAX_SAFE_INTEGER],
  );
  const firstSeq = range?.lo ?? 0;
  const inRangeEnd = range?.hi ?? 0;
  let signed: AuditCheckpoint | undefined;
  let cover: { seq: number } | undefined;
  if (firstSeq > 0) {
    cover = await o.store.get<{ seq: number }>(
      "SELECT seq FROM audit_checkpoints WHERE seq >= ? ORDER BY seq, n LIMIT 1",
      [inRangeEnd],
    );
    if (!cover) {
      if (!o.keys.sign) {
        throw new OpsError(
          "audit_key_unusable",
          `entries up to seq ${inRangeEnd} are not covered by a signed checkpoint yet, and no private key is available to sign one`,
        );
      }
      signed = await writeCheckpoint(o.store, o.clock, o.keys);
      cover = signed;
    }
  }
  const lastSeq = cover?.seq ?? 0;
  const checkpoints = firstSeq > 0 ? await checkpointsBetween(o.store, firstSeq - 1, lastSeq) : [];
  /** Each checkpoint goes right after the entry whose hash it signs (docs/audit.md). */
  const bySeq = new Map<number, AuditCheckpoint[]>();
  for (const c of checkpoints) bySeq.set(c.seq, [...(bySeq.get(c.seq) ?? []), c]);
  const checkpointLines = (seq: number) =>
    (bySeq.get(seq) ?? []).map((c) => `${JSON.stringify({ checkpoint: c })}\n`).join("");

  await o.write(
    `${JSON.stringify({
      export: {
        format: EXPORT_FORMAT,
        from: o.from === undefined ? null : new Date(o.from).toISOString(),
        to: o.to === undefined ? null : new Date(o.to).toISOString(),
        exported: new Date(o.clock.now()).toISOString(),
        first_seq: firstSeq,
        last_seq: lastSeq,
        key: o.keys.keyId,
        public_key: o.keys.publicKeyPem,
      },
    })}\n${firstSeq > 0 ? checkpointLines(firstSeq - 1) : ""}`,
  );
  let entries = 0;
  for (let next = firstSeq; firstSeq > 0 && next <= lastSeq; ) {
    const rows = await o.store.all<Record<string, unknown> & { seq: number }>(ENTRY_SQL, [next, lastSeq]);
    if (rows.length === 0) break;
    // Column order is the documented field order; data stays the stored text.
    await o.write(rows.map((r) => `${JSON.stringify(r)}\n${checkpointLines(r.seq)}`).join(""));
    entries += rows.length;
    next = Number(rows.at(-1)?.seq) + 1;
  }
  return {
    entries,
    checkpoints: checkpoints.length,
    firstSeq,
    lastSeq,
    beyondTo: Math.max(0, lastSeq - inRangeEnd),
    ...(signed ? { signed } : {}),
  };
}

async function checkpointsBetween(store: Store, lo: number, hi: number): Promise<AuditCheckpoint[]> {
  const out: AuditCheckpoint[] = [];
  for (let after = 0; ; ) {
    const page = await listCheckpoints(store, { after, minSeq: lo });
    out.push(...page.filter((c) => c.seq <= hi));
    const last = page.at(-1);
    if (!last || last.seq > hi) return out;
    after = last.n;
  }
}
