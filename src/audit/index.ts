/**
 * The audit trail: an append-only, hash-chained record of every change, written in the same
 * transaction as the change itself, so the trail can neither miss a change nor record one that
 * did not happen. Anyone can re-verify it by hand (README.md documents the hashed format).
 */
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
  /** The first problem, in seq order. */
  firstBad?: { seq: number; reason: string };
}

export interface AuditVerifyOptions {
  /** Called after each page of entries; `total` is the head's seq. */
  onProgress?: (progress: { verified: number; total: number }) => void;
}

export interface AuditLog {
  /** Must run inside the caller's transaction: the entry commits or rolls back with the change. */
  append(tx: Tx, entry: AuditAppend): Promise<AuditEntry>;
  /** In seq order. */
  list(q?: AuditQuery): Promise<AuditEntry[]>;
  /** Streams the whole chain; reports the first bad entry. */
  verify(opts?: AuditVerifyOptions): Promise<AuditVerifyResult>;
  head(): Promise<AuditHead>;
}

declare module "../bus/index.js" {
  interface BusTopics {
    /** Published by the action layer after the transaction that appended the entry commits. */
    "audit.appended": AuditEntry;
  }
}

export { GENESIS_HASH, hashedMaterial } from "./chain.js";
export { createAuditLog } from "./log.js";
export { auditMigrations } from "./migrations.js";
