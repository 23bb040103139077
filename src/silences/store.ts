import type { Clock } from "../core/clock.js";
import type { SqlExecutor, Store, Tx } from "../store/index.js";
import type { Silence, SilenceStore } from "./index.js";

export interface SilenceStoreOptions {
  store: Store;
  clock: Clock;
}

interface Row {
  id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  comment: string;
  created_by: string;
  created_at: number;
  expired_at: number | null;
  expired_by: string | null;
}

const COLUMNS = "id, matchers, starts_at, ends_at, comment, created_by, created_at, expired_at, expired_by";
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

export function createSilenceStore(o: SilenceStoreOptions): SilenceStore {
  let unexpired: readonly Silence[] = [];
  return {
    async refresh() {
      const rows = await o.store.all<Row>(
        `SELECT ${COLUMNS} FROM silences WHERE ends_at > ? ORDER BY created_at, id`,
        [o.clock.now()],
      );
      unexpired = Object.freeze(rows.map(toSilence));
    },
    unexpired: () => unexpired,
    async list(q = {}) {
      const now = o.clock.now();
      const where =
        q.state === "active"
          ? "WHERE starts_at <= ? AND ends_at > ?"
          : q.state === "pending"
            ? "WHERE starts_at > ? AND ends_at > ?"
            : q.state === "expired"
              ? "WHERE ends_at <= ?"
              : "";
      const params = q.state === "expired" ? [now] : q.state ? [now, now] : [];
      const limit = Math.min(Math.max(1, q.limit ?? DEFAULT_LIMIT), MAX_LIMIT);
      const rows = await o.store.all<Row>(
        `SELECT ${COLUMNS} FROM silences ${where} ORDER BY created_at DESC, id DESC LIMIT ?`,
        [...params, limit],
      );
      return rows.map(toSilence);
    },
    get: (id) => findSilence(o.store, id),
  };
}

export async function findSilence(db: SqlExecutor, id: string, lock = ""): Promise<Silence | undefined> {
  const row = await db.get<Row>(`SELECT ${COLUMNS} FROM silences WHERE id = ?${lock ? ` ${lock}` : ""}`, [
    id,
  ]);
  return row && toSilence(row);
}

/** Inserts unless the id is taken; returns whether it was inserted. */
export async function insertSilence(tx: Tx, s: Silence): Promise<boolean> {
  const { changes } = await tx.run(
    `INSERT INTO silences (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    [
      s.id,
      JSON.stringify(s.matchers),
      s.startsAt,
      s.endsAt,
      s.comment,
      s.createdBy,
      s.createdAt,
      s.expiredAt,
      s.expiredBy,
    ],
  );
  return changes === 1;
}

export async function markExpired(tx: Tx, s: Silence): Promise<void> {
  await tx.run(
    "UPDATE silences SET starts_at = ?, ends_at = ?, expired_at = ?, expired_by = ? WHERE id = ?",
    [s.startsAt, s.endsAt, s.expiredAt, s.expiredBy, s.id],
  );
}

function toSilence(r: Row): Silence {
  return {
    id: r.id,
    matchers: JSON.parse(r.matchers) as Record<string, string>,
    startsAt: Number(r.starts_at),
    endsAt: Number(r.ends_at),
    comment: r.comment,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    expiredAt: r.expired_at === null ? null : Number(r.expired_at),
    expiredBy: r.expired_by,
  };
}
