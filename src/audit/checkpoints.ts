import type { Clock } from "../core/clock.js";
import { OpsError } from "../core/errors.js";
import type { Store } from "../store/index.js";
import { GENESIS_HASH } from "./chain.js";
import { checkSignature, signCheckpoint } from "./checkpoint.js";
import type { AuditCheckpoint, AuditHead, AuditKeys, CheckpointStatus } from "./index.js";

const COLUMNS = "n, seq, hash, ts, key, signature";
const PAGE = 5000;

/**
 * Signs the current chain head. The head row is read with the append lock held, so the signed
 * (seq, hash) is exactly what the trail held at that instant, on every node.
 */
export async function writeCheckpoint(store: Store, clock: Clock, keys: AuditKeys): Promise<AuditCheckpoint> {
  return store.tx(async (tx) => {
    const head = await tx.get<AuditHead>(`SELECT seq, hash FROM audit_head WHERE id = 1 ${tx.lock}`);
    if (!head) {
      throw new OpsError(
        "audit_tampered",
        "the audit head row is missing (deleted, or audit migrations not applied)",
      );
    }
    const last = await tx.get<{ n: number | null }>("SELECT MAX(n) AS n FROM audit_checkpoints");
    const unsigned = { n: (last?.n ?? 0) + 1, seq: head.seq, hash: head.hash, ts: Math.floor(clock.now()) };
    const checkpoint: AuditCheckpoint = {
      ...unsigned,
      key: keys.keyId,
      signature: signCheckpoint(keys, unsigned),
    };
    await tx.run(`INSERT INTO audit_checkpoints (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, [
      checkpoint.n,
      checkpoint.seq,
      checkpoint.hash,
      checkpoint.ts,
      checkpoint.key,
      checkpoint.signature,
    ]);
    return checkpoint;
  });
}

export async function listCheckpoints(
  store: Store,
  q: { after?: number; limit?: number; minSeq?: number } = {},
): Promise<AuditCheckpoint[]> {
  return store.all<AuditCheckpoint>(
    `SELECT ${COLUMNS} FROM audit_checkpoints WHERE n > ? AND seq >= ? ORDER BY n LIMIT ?`,
    [q.after ?? 0, q.minSeq ?? 0, Math.min(PAGE, Math.max(1, q.limit ?? PAGE))],
  );
}

export interface CheckpointCheck {
  /** The trusted public key; undefined when none could be found. */
  keys: AuditKeys | undefined;
  /** The last seq of the verified chain (a snapshot: the trail may have grown since). */
  lastSeq: number;
  /** The newest checkpoint this process wrote: it must still be there, unchanged. */
  expect?: AuditCheckpoint | undefined;
}

type Row = AuditCheckpoint & { entry: string | null };

/**
 * Every stored checkpoint, in order: numbered without gaps, signed by the trusted key, and naming
 * a (seq, hash) the chain still holds. A checkpoint beyond the chain's end is how a deleted tail
 * is caught even when the tamperer also rewound the head row.
 */
export async function verifyCheckpoints(store: Store, check: CheckpointCheck): Promise<CheckpointStatus> {
  const { keys, lastSeq } = check;
  const status: CheckpointStatus = { ok: true, count: 0, key: keys?.keyId ?? null, last: null };
  const fail = (n: number, seq: number, reason: string): CheckpointStatus => ({
    ...status,
    ok: false,
    firstBad: { n, seq, reason: `checkpoint ${n}: ${reason}` },
  });
  let prev: AuditCheckpoint | undefined;
  for (;;) {
    const rows = await store.all<Row>(
      `SELECT c.n AS n, c.seq AS seq, c.hash AS hash, c.ts AS ts, c.key AS key, c.signature AS signature,
         e.hash AS entry
       FROM audit_checkpoints c LEFT JOIN audit_entries e ON e.seq = c.seq
       WHERE c.n > ? ORDER BY c.n LIMIT ${PAGE}`,
      [prev?.n ?? 0],
    );
    for (const row of rows) {
      const { entry, ...cp } = row;
      const expectedN = (prev?.n ?? 0) + 1;
      if (cp.n !== expectedN) {
        const which = cp.n - 1 === expectedN ? "deleted" : `to ${cp.n - 1} deleted`;
        return fail(expectedN, cp.seq, `missing (${which})`);
      }
      if (!keys) {
        return fail(
          cp.n,
          cp.seq,
          "no public key to check it with (audit-signing.pub.pem missing: pass --public-key)",
        );
      }
      const badSig = checkSignature(keys, cp);
      if (badSig) return fail(cp.n, cp.seq, badSig);
      if (prev && (cp.seq < prev.seq || cp.ts < prev.ts)) {
        return fail(cp.n, cp.seq, `goes back from seq ${prev.seq} to ${cp.seq} (checkpoints reordered)`);
      }
      // Entries and checkpoints appended since the chain was read (a concurrent tick or export)
      // have their entry by now; only a checkpoint whose entry is gone means a lost tail.
      if (cp.seq > lastSeq && entry === null) {
        return fail(
          cp.n,
          cp.seq,
          `signed head seq ${cp.seq} but the trail ends at seq ${lastSeq} (tail truncated)`,
        );
      }
      const held = cp.seq === 0 ? GENESIS_HASH : entry;
      if (held !== cp.hash) {
        return fail(
          cp.n,
          cp.seq,
          `signed hash of seq ${cp.seq} differs from the stored entry (entries rewritten)`,
        );
      }
      status.count++;
      prev = cp;
    }
    if (rows.length < PAGE) break;
  }
  status.last = prev ? { ...prev, time: new Date(prev.ts).toISOString() } : null;
  const exp = check.expect;
  if (exp && (!prev || prev.n < exp.n)) {
    return fail(exp.n, exp.seq, "written by this server but no longer stored (checkpoints deleted)");
  }
  return status;
}
