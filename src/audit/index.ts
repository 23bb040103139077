/**
 * The audit trail: an append-only, hash-chained record of every change, written in the same
 * transaction as the change itself, so the trail can neither miss a change nor record one that
 * did not happen. Anyone can re-verify it by hand (README.md documents the hashed format).
 */
import type { KeyObject } from "node:crypto";
import type { Tx } from "../store/index.js";

export interface AuditEntry {
  /** 1, 2, 3, ... without gaps. */
  seq: number;
  /** Epoch milliseconds. */
  ts: number;
  /** Who: the token's name, or `system`, `config`, `cli`. */
  actor: string;
  /** What, as `noun.verb`: `incident.ack`, `runbook.run`. */
  action: string;
  /** On what: `incident:42`, `probe:irs-login`. */
  subject: string;
  /** Details, secrets redacted; exactly the JSON that was hashed. */
  data: unknown;
  /** The hash of the entry before (64 zeros for the first). */
  prev: string;
  /** sha256 hex of this entry's hashed material (README.md). */
  hash: string;
}

export interface AuditAppend {
  actor: string;
  action: string;
  subject: string;
  data?: unknown;
}

export interface AuditQuery {
  /** Entries with seq greater than this (paging). */
  after?: number;
  /** Default 100, at most 1000. */
  limit?: number;
  actor?: string;
  action?: string;
  /** Inclusive bounds on `ts`, epoch ms. */
  from?: number;
  to?: number;
}

export interface AuditHead {
  seq: number;
  hash: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  /** Entries checked and found good. */
  entries: number;
  head: AuditHead;
  /** The first problem, in seq order (a checkpoint problem names the checkpoint in `reason`). */
  firstBad?: { seq: number; reason: string };
  /** With signing keys: the signed checkpoints, checked once the chain itself is intact. */
  checkpoints?: CheckpointStatus;
}

export interface AuditVerifyOptions {
  /** Called after each page of entries; `total` is the head's seq. */
  onProgress?: (progress: { verified: number; total: number }) => void;
  /** A checkpoint that must still be stored (default: the newest this log signed). */
  expectCheckpoint?: AuditCheckpoint | undefined;
}

/** An Ed25519 key pair of a data dir (src/audit/keys.ts); `sign` is absent when only the public key is known. */
export interface AuditKeys {
  publicKey: KeyObject;
  /** SPKI PEM, as exported to auditors. */
  publicKeyPem: string;
  /** Lowercase hex SHA-256 of the DER public key. */
  keyId: string;
  /** Base64 Ed25519 signature of `message` (UTF-8). */
  sign?: (message: string) => string;
}

/** A signed statement "at `ts` the chain head was (`seq`, `hash`)" (docs/audit.md). */
export interface AuditCheckpoint {
  /** 1, 2, 3, ... without gaps; signed, so renumbering is detected. */
  n: number;
  seq: number;
  hash: string;
  /** Epoch milliseconds. */
  ts: number;
  /** keyId of the signing key. */
  key: string;
  /** Base64 Ed25519 signature over checkpointMaterial(). */
  signature: string;
}

export interface CheckpointStatus {
  ok: boolean;
  /** Checkpoints found good. */
  count: number;
  /** keyId of the trusted key, null when there is none. */
  key: string | null;
  last: (AuditCheckpoint & { time: string }) | null;
  firstBad?: { n: number; seq: number; reason: string };
}

export interface AuditLog {
  /** Must run inside the caller's transaction: the entry commits or rolls back with the change. */
  append(tx: Tx, entry: AuditAppend): Promise<AuditEntry>;
  /** In seq order. */
  list(q?: AuditQuery): Promise<AuditEntry[]>;
  /** Streams the whole chain; reports the first bad entry. */
  verify(opts?: AuditVerifyOptions): Promise<AuditVerifyResult>;
  head(): Promise<AuditHead>;
  /** The public key checkpoints are signed with; undefined when this log has no keys. */
  publicKey(): { pem: string; keyId: string } | undefined;
  /** Signs the current head and stores the checkpoint; needs keys with a private half. */
  checkpoint(): Promise<AuditCheckpoint>;
  /** In `n` order. */
  checkpoints(q?: { after?: number; limit?: number }): Promise<AuditCheckpoint[]>;
}

export interface AuditLogOptions {
  /** Signing keys: enables checkpoints, and verify() then checks them too. */
  keys?: AuditKeys;
}

declare module "../bus/index.js" {
  interface BusTopics {
    /** Published by the action layer after the transaction that appended the entry commits. */
    "audit.appended": AuditEntry;
  }
}

export { GENESIS_HASH, hashedMaterial } from "./chain.js";
export { checkpointMaterial } from "./checkpoint.js";
export { type ExportOptions, type ExportSummary, writeAuditExport } from "./export.js";
export {
  loadOrCreateSigningKeys,
  PRIVATE_KEY_FILE,
  PUBLIC_KEY_FILE,
  publicKeysFromPem,
  readPublicKeyFile,
} from "./keys.js";
export { createAuditLog } from "./log.js";
export { auditMigrations } from "./migrations.js";
export { type CheckpointSchedule, type CheckpointScheduleOptions, startCheckpoints } from "./schedule.js";
export { type ExportVerifyResult, verifyAuditExport } from "./verify-export.js";
