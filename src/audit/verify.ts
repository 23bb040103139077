import type { Store } from "../store/index.js";
import { GENESIS_HASH, HASHED_MATERIAL_SQL, sha256Hex } from "./chain.js";
import type { AuditHead, AuditVerifyOptions, AuditVerifyResult } from "./index.js";

/** Rows per read: bounded memory, few round trips, and the event loop breathes between pages. */
const PAGE = 5000;

/** seq, hash, hashed material: as few and as cheap columns as the checks need. */
type Row = [seq: unknown, hash: unknown, material: unknown];

const PAGE_SQL = `SELECT seq, hash, ${HASHED_MATERIAL_SQL} AS material FROM audit_entries
  WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ${PAGE}`;

/** Arrays where the store offers them (no object per row), else objects turned into arrays. */
function pageReader(store: Store): (from: number, to: number) => Promise<Row[]> {
  if (store.allRaw) {
    const allRaw = store.allRaw.bind(store);
    return (from, to) => allRaw(PAGE_SQL, [from, to]) as Promise<Row[]>;
  }
  return async (from, to) =>
    (await store.all<{ seq: unknown; hash: unknown; material: unknown }>(PAGE_SQL, [from, to])).map(
      (r): Row => [r.seq, r.hash, r.material],
    );
}

/**
 * Walks the chain in seq order, page by page, and reports the first entry that breaks it. The
 * head and the last seq are read in one statement, so appends running meanwhile are neither
 * mistaken for tampering nor verified half-way.
 */
export async function verifyChain(store: Store, opts: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
  const snapshot = await store.get<{ seq: number | null; hash: string | null; last: number | null }>(
    `SELECT h.seq AS seq, h.hash AS hash, (SELECT MAX(seq) FROM audit_entries) AS last
     FROM (SELECT 1 AS one) o LEFT JOIN audit_head h ON h.id = 1`,
  );
  if (!snapshot || snapshot.seq === null || snapshot.hash === null) {
    return bad(0, { seq: 0, hash: GENESIS_HASH }, 0, "the audit head row is missing (head deleted)");
  }
  const head: AuditHead = { seq: snapshot.seq, hash: snapshot.hash };
  const last = snapshot.last ?? 0;

  const readPage = pageReader(store);
  let expected = 1;
  let prev = GENESIS_HASH;
  for (;;) {
    const rows = await readPage(expected, head.seq);
    for (const [seq, hash, material] of rows) {
      if (seq !== expected) return bad(expected, head, expected - 1, gap(expected, seq));
      // The material starts with the stored prev; NULL material means a NULL column (row edited).
      if (typeof material !== "string") return bad(expected, head, expected - 1, edited(expected));
      if (!material.startsWith(prev) || material.charCodeAt(prev.length) !== 10)
        return bad(expected, head, expected - 1, brokenLink(expected));
      if (sha256Hex(material) !== hash) return bad(expected, head, expected - 1, edited(expected));
      prev = hash;
      expected++;
    }
    opts.onProgress?.({ verified: expected - 1, total: head.seq });
    if (rows.length < PAGE) break;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  const verified = expected - 1;
  if (verified < head.seq) {
    return bad(
      expected,
      head,
      verified,
      `head says seq ${head.seq} but last entry is ${verified} (tail truncated)`,
    );
  }
  if (prev !== head.hash) {
    return bad(
      head.seq,
      head,
      verified,
      `head hash does not match the hash of seq ${head.seq} (head rewritten)`,
    );
  }
  if (last > head.seq) {
    const reason = `head says seq ${head.seq} but entries continue to seq ${last} (entries added outside the trail)`;
    return bad(head.seq + 1, head, verified, reason);
  }
  return { ok: true, entries: verified, head };
}

function gap(expected: number, found: unknown): string {
  if (typeof found !== "number" || !Number.isSafeInteger(found)) {
    return `seq ${expected}: malformed seq ${JSON.stringify(found)} (row edited)`;
  }
  const what =
    found - 1 === expected
      ? `entry ${expected} missing (row deleted)`
      : `entries ${expected}–${found - 1} missing (rows deleted)`;
  return expected === 1 ? `first entry is seq ${found}: ${what}` : `seq ${expected - 1} → ${found}: ${what}`;
}

function edited(seq: number): string {
  return `seq ${seq}: hash mismatch (row edited)`;
}

function brokenLink(seq: number): string {
  if (seq === 1) return "seq 1: prev is not the genesis hash (rows reordered or replaced)";
  return `seq ${seq}: prev does not match hash of seq ${seq - 1} (rows reordered or replaced)`;
}

function bad(seq: number, head: AuditHead, entries: number, reason: string): AuditVerifyResult {
  return { ok: false, entries, head, firstBad: { seq, reason } };
}
