/**
 * The durable history of the live pack. A pack that differs from the last recorded one (by
 * digest) becomes a row, an audit entry (`policy.changed`, actor `hms-ops`) in the same
 * transaction, and a `policy.changed` event on the timeline of every incident open at the time.
 * Because the comparison is against the stored row, not against memory, a pack that changed while
 * HMS-OPS was down is recorded once at the next start, and a second node seeing the same pack
 * records nothing.
 */
import type { AuditLog } from "../audit/index.js";
import type { Bus } from "../bus/index.js";
import type { Clock } from "../core/clock.js";
import type { Store, Tx } from "../store/index.js";
import type { PolicyChange } from "./types.js";

/** The audit actor of changes HMS-OPS observes by itself. */
export const POLICY_ACTOR = "hms-ops";

/** The incident store as the history needs it (src/incidents implements it). */
export interface OpenIncidents {
  list(q: { active: true; limit: number }): Promise<readonly { id: string }[]>;
  addEvent(
    tx: Tx,
    incidentId: string,
    e: { type: string; at: number; actor?: string | null; data?: Record<string, unknown> },
  ): Promise<void>;
}

export interface PolicyHistoryOptions {
  store: Store;
  audit: AuditLog;
  bus: Bus;
  clock: Clock;
  incidents: OpenIncidents;
}

declare module "../bus/index.js" {
  interface BusTopics {
    /** Published after the transaction that recorded a change of the live pack commits. */
    "policy.changed": PolicyChange;
  }
}

interface ChangeRow {
  seq: number | bigint;
  at: number | bigint;
  from_id: string | null;
  to_id: string;
  from_digest: string | null;
  to_digest: string;
}

const COLUMNS = "seq, at, from_id, to_id, from_digest, to_digest";
const MAX_NOTED_INCIDENTS = 1000;

function changeOf(r: ChangeRow): PolicyChange {
  return {
    seq: Number(r.seq),
    at: Number(r.at),
    from: r.from_id,
    to: r.to_id,
    fromDigest: r.from_digest,
    toDigest: r.to_digest,
  };
}

export class PolicyHistory {
  private latest: PolicyChange | undefined;

  constructor(private readonly o: PolicyHistoryOptions) {}

  /** Reads the last recorded change (call once at start, before `observe`). */
  async load(): Promise<void> {
    const row = await this.o.store.get<ChangeRow>(
      `SELECT ${COLUMNS} FROM policy_changes ORDER BY seq DESC LIMIT 1`,
    );
    this.latest = row && changeOf(row);
  }

  /** The last recorded change, from memory (the evidence packet reads it inside the rule engine's tx). */
  last(): PolicyChange | undefined {
    return this.latest;
  }

  /** Newest first; `before` (a seq) pages back. `limit` default 100, at most 1000. */
  async list(q: { limit?: number; before?: number } = {}): Promise<PolicyChange[]> {
    const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 100)), 1000);
    const rows = await this.o.store.all<ChangeRow>(
      `SELECT ${COLUMNS} FROM policy_changes ${q.before !== undefined ? "WHERE seq < ?" : ""}
       ORDER BY seq DESC LIMIT ?`,
      q.before !== undefined ? [q.before, limit] : [limit],
    );
    return rows.map(changeOf);
  }

  /**
   * Records the pack just fetched if it differs from the last recorded one; returns the change, or
   * undefined when there was none (the usual case: one string comparison, no query).
   */
  async observe(pack: { id: string; digest: string }): Promise<PolicyChange | undefined> {
    if (this.latest?.toDigest === pack.digest) return undefined;
    const open = await this.o.incidents.list({ active: true, limit: MAX_NOTED_INCIDENTS });
    const at = this.o.clock.now();
    const outcome = await this.o.store.tx(async (tx) => {
      const row = await tx.get<ChangeRow>(
        `SELECT ${COLUMNS} FROM policy_changes ORDER BY seq DESC LIMIT 1 ${tx.lock}`,
      );
      const before = row && changeOf(row);
      // Another node (or this one, racing itself) recorded this very pack already.
      if (before?.toDigest === pack.digest) return { change: before, recorded: false } as const;
      const change: PolicyChange = {
        seq: (before?.seq ?? 0) + 1,
        at,
        from: before?.to ?? null,
        to: pack.id,
        fromDigest: before?.toDigest ?? null,
        toDigest: pack.digest,
      };
      await tx.run(`INSERT INTO policy_changes (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, [
        change.seq,
        change.at,
        change.from,
        change.to,
        change.fromDigest,
        change.toDigest,
      ]);
      const data = {
        from: change.from,
        to: change.to,
        fromDigest: change.fromDigest,
        toDigest: change.toDigest,
      };
      const entry = await this.o.audit.append(tx, {
        actor: POLICY_ACTOR,
        action: "policy.changed",
        subject: `policy:${change.to}`,
        data,
      });
      // The first pack ever seen is a baseline, not a change of policy during anyone's incident.
      if (change.from !== null) {
        for (const incident of open) {
          await this.o.incidents.addEvent(tx, incident.id, { type: "policy.changed", at, actor: null, data });
        }
      }
      return { change, recorded: true, entry } as const;
    });
    this.latest = outcome.change;
    if (!outcome.recorded) return undefined;
    await this.o.bus.publish("audit.appended", outcome.entry);
    await this.o.bus.publish("policy.changed", outcome.change);
    return outcome.change;
  }
}
