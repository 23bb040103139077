import type { Clock } from "../core/clock.js";
import { OpsError } from "../core/errors.js";
import { isSecretKey, REDACTED, redact } from "../core/redact.js";
import type { SqlValue, Store, Tx } from "../store/index.js";
import { entryHash } from "./chain.js";
import { listCheckpoints, verifyCheckpoints, writeCheckpoint } from "./checkpoints.js";
import type {
  AuditAppend,
  AuditCheckpoint,
  AuditEntry,
  AuditHead,
  AuditLog,
  AuditLogOptions,
  AuditQuery,
} from "./index.js";
import { verifyChain } from "./verify.js";

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

interface EntryRow {
  seq: number;
  ts: number;
  actor: string;
  action: string;
  subject: string;
  data: string;
  prev: string;
  hash: string;
}

export function createAuditLog(store: Store, clock: Clock, opts: AuditLogOptions = {}): AuditLog {
  const { keys } = opts;
  /** The newest checkpoint this process signed: a verification fails if it has gone from the store. */
  let lastSigned: AuditCheckpoint | undefined;
  return {
    async append(tx: Tx, entry: AuditAppend): Promise<AuditEntry> {
      const actor = singleLine("actor", entry.actor);
      const action = singleLine("action", entry.action);
      const subject = singleLine("subject", entry.subject);
      const dataText = redactedJson(entry.data);
      const data = JSON.parse(dataText) as unknown;
      // `tx.lock` makes PostgreSQL hold the head row until commit: appenders on every node queue here.
      const head = await tx.get<AuditHead>(`SELECT seq, hash FROM audit_head WHERE id = 1 ${tx.lock}`);
      if (!head) throw missingHead();
      const row: EntryRow = {
        seq: head.seq + 1,
        ts: Math.floor(clock.now()),
        actor,
        action,
        subject,
        data: dataText,
        prev: head.hash,
        hash: "",
      };
      row.hash = entryHash(row);
      await tx.run(
        "INSERT INTO audit_entries (seq, ts, actor, action, subject, data, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [row.seq, row.ts, row.actor, row.action, row.subject, row.data, row.prev, row.hash],
      );
      await tx.run("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", [row.seq, row.hash]);
      return { ...row, data };
    },

    async list(q: AuditQuery = {}): Promise<AuditEntry[]> {
      const where: string[] = [];
      const params: SqlValue[] = [];
      const filter = (clause: string, value: SqlValue | undefined) => {
        if (value === undefined) return;
        where.push(clause);
        params.push(value);
      };
      filter("seq > ?", q.after ?? 0);
      filter("actor = ?", q.actor);
      filter("action = ?", q.action);
      filter("ts >= ?", q.from);
      filter("ts <= ?", q.to);
      params.push(clampLimit(q.limit));
      const rows = await store.all<EntryRow>(
        `SELECT seq, ts, actor, action, subject, data, prev, hash FROM audit_entries
         WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`,
        params,
      );
      return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as unknown }));
    },

    async verify(o = {}) {
      const chain = await verifyChain(store, o);
      if (!keys || !chain.ok) return chain;
      const checkpoints = await verifyCheckpoints(store, {
        keys,
        lastSeq: chain.head.seq,
        expect: o.expectCheckpoint ?? lastSigned,
      });
      if (checkpoints.ok) return { ...chain, checkpoints };
      const { seq = 0, reason = "" } = checkpoints.firstBad ?? {};
      return { ...chain, ok: false, firstBad: { seq, reason }, checkpoints };
    },

    publicKey: () => (keys ? { pem: keys.publicKeyPem, keyId: keys.keyId } : undefined),

    async checkpoint() {
      if (!keys?.sign) throw new OpsError("audit_key_unusable", "this audit log has no signing key");
      const checkpoint = await writeCheckpoint(store, clock, keys);
      if (!lastSigned || checkpoint.n > lastSigned.n) lastSigned = checkpoint;
      return checkpoint;
    },

    checkpoints: (q) => listCheckpoints(store, q),

    async head(): Promise<AuditHead> {
      const head = await store.get<AuditHead>("SELECT seq, hash FROM audit_head WHERE id = 1");
      if (!head) throw missingHead();
      return { seq: head.seq, hash: head.hash };
    },
  };
}

/** The hashed format is one field per line, so a line break inside a field would make it ambiguous. */
function singleLine(field: string, value: unknown): string {
  if (typeof value !== "string" || value === "" || /[\r\n]/.test(value)) {
    throw new OpsError("validation_failed", `audit ${field} must be a non-empty single-line string`, {
      details: [{ path: field, message: "non-empty, no line breaks" }],
    });
  }
  return value;
}

/**
 * `data` as JSON text with secrets redacted, in one pass: redact()'s rules (secret keys, URL
 * credentials) applied to each value after JSON's own conversions (Dates become ISO strings,
 * undefined goes), which a deep copy before serializing would get wrong and costs twice as much.
 * U+007F is escaped as jq does, so `jq tojson` on an entry fetched from the API rebuilds the stored
 * text byte for byte (README.md); JSON.parse reads both forms alike.
 */
function redactedJson(data: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(data ?? null, (key, value: unknown) =>
      isSecretKey(key) && value != null ? REDACTED : typeof value === "object" ? value : redact(value),
    );
  } catch (err) {
    throw new OpsError(
      "validation_failed",
      `audit data is not JSON-serializable: ${(err as Error).message}`,
      {
        cause: err,
        details: [{ path: "data", message: "must be JSON-serializable" }],
      },
    );
  }
  return (text ?? "null").replace(/\u007f/g, "\\u007f");
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(1, Math.floor(limit)));
}

function missingHead(): OpsError {
  return new OpsError(
    "audit_tampered",
    "the audit head row is missing (deleted, or audit migrations not applied)",
  );
}
