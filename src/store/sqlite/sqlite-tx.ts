import { OpsError } from "../../core/errors.js";
import type { SqlValue, Tx } from "../index.js";
import type { Kind } from "./sqlite-store.js";

/** What a transaction handle needs from the store: run a statement on the connection, now. */
interface Connection {
  execute(kind: Kind, sql: string, params: readonly SqlValue[]): unknown;
}

/** The handle a `tx` callback receives; it runs statements directly, as it owns the connection. */
export class SqliteTx implements Tx {
  readonly dialect = "sqlite" as const;
  readonly lock = "";
  active = true;

  constructor(readonly store: Connection) {}

  all<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.execute("all", sql, params) as Promise<T[]>;
  }

  get<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.execute("get", sql, params) as Promise<T | undefined>;
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.execute("run", sql, params) as Promise<{ changes: number }>;
  }

  private execute(kind: Kind, sql: string, params: readonly SqlValue[]): Promise<unknown> {
    if (!this.active) {
      // A statement issued after commit/rollback would land in whatever runs next on the connection.
      return Promise.reject(new OpsError("internal", `tx.${kind}() called after its transaction ended`));
    }
    try {
      return Promise.resolve(this.store.execute(kind, sql, params));
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
