import { entryHash, GENESIS_HASH } from "./chain.js";
import { checkSignature } from "./checkpoint.js";
import { EXPORT_FORMAT } from "./export.js";
import type { AuditCheckpoint, AuditKeys } from "./index.js";
import { publicKeysFromPem } from "./keys.js";

export interface ExportVerifyResult {
  ok: boolean;
  /** Entries and checkpoints found good (up to the first problem). */
  entries: number;
  checkpoints: number;
  firstSeq: number;
  lastSeq: number;
  /** keyId the signatures were checked against. */
  key: string | null;
  /** True when the key came from the caller (`--public-key`), not from the file itself. */
  pinned: boolean;
  /** The newest good checkpoint. */
  last: AuditCheckpoint | null;
  /** 1-based line of the first problem, and what it is. */
  firstBad?: { line: number; reason: string };
}

const ENTRY_FIELDS = ["seq", "ts", "actor", "action", "subject", "data", "prev", "hash"] as const;
const CHECKPOINT_FIELDS = ["n", "seq", "hash", "ts", "key", "signature"] as const;

interface Entry {
  seq: number;
  ts: number;
  actor: string;
  action: string;
  subject: string;
  data: string;
  prev: string;
  hash: string;
}

/**
 * Streams an export (src/audit/export.ts) line by line in constant memory: the header, every
 * entry's hash and link, every checkpoint's signature and that it sits right after the entry it
 * signs, and that the export ends on a checkpoint. Stops at the first problem, naming its line.
 */
export async function verifyAuditExport(
  lines: AsyncIterable<string>,
  opts: { publicKey?: AuditKeys } = {},
): Promise<ExportVerifyResult> {
  const r: ExportVerifyResult = {
    ok: true,
    entries: 0,
    checkpoints: 0,
    firstSeq: 0,
    lastSeq: 0,
    key: opts.publicKey?.keyId ?? null,
    pinned: opts.publicKey !== undefined,
    last: null,
  };
  let lineNo = 0;
  const fail = (reason: string, line = lineNo): ExportVerifyResult => ({
    ...r,
    ok: false,
    firstBad: { line, reason },
  });
  let keys = opts.publicKey;
  let headerFirst = 0;
  let headerLast = 0;
  let entry: Entry | undefined;
  let entryLine = 0;
  /** A checkpoint before the first entry signs that entry's `prev`. */
  let anchor: AuditCheckpoint | undefined;

  for await (const text of lines) {
    lineNo++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return fail(text.trim() === "" ? "blank line (lines removed or added)" : "not JSON (line edited)");
    }
    if (lineNo === 1) {
      const header = (value as { export?: Record<string, unknown> } | null)?.export;
      if (!header || header.format !== EXPORT_FORMAT) {
        return fail(`not an HMS-OPS audit export (the first line must be the ${EXPORT_FORMAT} header)`);
      }
      if (!keys) {
        if (typeof header.public_key !== "string") return fail("the header has no public_key");
        try {
          keys = publicKeysFromPem(header.public_key, "the header's public_key");
        } catch (err) {
          return fail((err as Error).message);
        }
        r.key = keys.keyId;
      }
      headerFirst = typeof header.first_seq === "number" ? header.first_seq : 0;
      headerLast = typeof header.last_seq === "number" ? header.last_seq : 0;
      continue;
    }
    if (!keys) return fail("no public key");
    const cpValue = (value as { checkpoint?: unknown } | null)?.checkpoint;
    if (cpValue !== undefined) {
      const cp = shape<AuditCheckpoint>(cpValue, CHECKPOINT_FIELDS, ["n", "seq", "ts"]);
      if (typeof cp === "string") return fail(`malformed checkpoint: ${cp} (line edited)`);
      const where = `checkpoint ${cp.n}`;
      const badSig = checkSignature(keys, cp);
      if (badSig) return fail(`${where}: ${badSig}`);
      if (r.last && cp.n !== r.last.n + 1) {
        return fail(`${where} follows checkpoint ${r.last.n} (checkpoint lines removed or reordered)`);
      }
      if (!entry) {
        anchor = cp;
      } else if (cp.seq !== entry.seq) {
        const what =
          cp.seq > entry.seq
            ? `${missing(entry.seq + 1, cp.seq)} before it (entry lines dropped)`
            : "lines reordered";
        return fail(`${where} signs head seq ${cp.seq} but the entry before it is seq ${entry.seq}: ${what}`);
      } else if (cp.hash !== entry.hash) {
        return fail(
          `${where}: the signed hash of seq ${cp.seq} differs from line ${entryLine} (entries rewritten and re-hashed)`,
        );
      }
      r.checkpoints++;
      r.last = cp;
      continue;
    }

    const e = shape<Entry>(value, ENTRY_FIELDS, ["seq", "ts"]);
    if (typeof e === "string") return fail(`malformed entry: ${e} (line edited)`);
    const where = `seq ${e.seq}`;
    if (!entry) {
      if (headerFirst > 0 && e.seq !== headerFirst) {
        return fail(
          `first entry is seq ${e.seq} but the header says ${headerFirst} (entry lines dropped or added)`,
        );
      }
      if (anchor && anchor.seq !== e.seq - 1) {
        return fail(`${where} does not follow checkpoint ${anchor.n} (seq ${anchor.seq}): lines dropped`);
      }
      const expectedPrev = e.seq === 1 ? GENESIS_HASH : anchor?.hash;
      if (expectedPrev !== undefined && e.prev !== expectedPrev) {
        return fail(
          `${where}: prev is not the ${e.seq === 1 ? "genesis hash" : "signed hash"} (line edited or replaced)`,
        );
      }
      r.firstSeq = e.seq;
    } else {
      if (e.seq !== entry.seq + 1) {
        const what =
          e.seq > entry.seq + 1 ? `${missing(entry.seq + 1, e.seq - 1)} (lines deleted)` : "lines reordered";
        return fail(`${where} follows seq ${entry.seq}: ${what}`);
      }
      if (e.prev !== entry.hash) {
        return fail(`${where}: prev does not match hash of seq ${entry.seq} (lines reordered or replaced)`);
      }
    }
    if (entryHash(e) !== e.hash) return fail(`${where}: hash mismatch (line edited)`);
    entry = e;
    entryLine = lineNo;
    r.entries++;
    r.lastSeq = e.seq;
  }

  if (lineNo === 0) return fail("empty file (not an HMS-OPS audit export)", 1);
  if (entry && (!r.last || r.last.seq !== entry.seq)) {
    const from = r.last && r.last.seq >= r.firstSeq ? r.last.seq + 1 : r.firstSeq;
    return fail(
      `entries ${from}–${entry.seq} are not covered by a signed checkpoint: the export's last lines (its closing checkpoint) were dropped, or entries added`,
    );
  }
  // The header is not signed, but a file cut at a checkpoint line still disagrees with it.
  if (headerLast !== r.lastSeq) {
    return fail(
      `the export ends at seq ${r.lastSeq} but its header says ${headerLast} (lines dropped from the end, or the header edited)`,
    );
  }
  return r;
}

/** The object with exactly these fields, strings except `ints`; else what is wrong with it. */
function shape<T>(value: unknown, fields: readonly string[], ints: readonly string[]): T | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not an object";
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (!fields.includes(k)) return `unexpected field ${JSON.stringify(k)}`;
  for (const f of fields) {
    const v = obj[f];
    if (ints.includes(f) ? !Number.isSafeInteger(v) : typeof v !== "string")
      return `field ${f} missing or of the wrong type`;
  }
  return obj as T;
}

function missing(lo: number, hi: number): string {
  return lo === hi ? `entry ${lo} missing` : `entries ${lo}–${hi} missing`;
}
