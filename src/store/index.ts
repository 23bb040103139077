/**
 * The durable store every stage uses. SQL is written in the portable subset SQLite and PostgreSQL
 * share: `?` placeholders (the PostgreSQL implementation numbers them), INTEGER epoch milliseconds,
 * TEXT for JSON, no engine-specific functions. Where a statement must differ, branch on `dialect`.
 * Each module owns its tables and ships its own migrations; the app registers them (src/app/).
 * Nothing here may assume a single process: counters and chains are read and written inside `tx`.
 */
export type SqlValue = string | number | bigint | null | Uint8Array;
export type Dialect = "sqlite" | "postgres";

export interface SqlExecutor {
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

/** A transaction: the same operations, all-or-nothing. `lock` is `FOR UPDATE` on PostgreSQL, "" on SQLite. */
export interface Tx extends SqlExecutor {
  readonly dialect: Dialect;
  readonly lock: string;
}

export interface Migration {
  /** Owning module, e.g. `audit`; versions count per module. */
  module: string;
  version: number;
  name: string;
  sql: string | Record<Dialect, string>;
}

export interface Store extends SqlExecutor {
  readonly dialect: Dialect;
  /** Runs `fn` in one transaction (serialized writers); rolls back if it throws. */
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Optional fast path for long scans (audit verify): like `all`, but each row is an array of its
   * column values in SELECT order, sparing one object per row. Callers fall back to `all` without it.
   */
  allRaw?(sql: string, params?: readonly SqlValue[]): Promise<unknown[][]>;
  /** Applies the migrations not yet applied, in (module, version) order. Returns how many ran. */
  migrate(migrations: readonly Migration[]): Promise<number>;
  close(): Promise<void>;
}
