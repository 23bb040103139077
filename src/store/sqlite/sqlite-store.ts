import { AsyncLocalStorage } from "node:async_hooks";
import type Database from "better-sqlite3";
import type { Clock } from "../../core/clock.js";
import { OpsError } from "../../core/errors.js";
import type { Migration, SqlValue, Store, Tx } from "../index.js";
import { type AppliedMigration, migrationSql, planMigrations } from "../migrations.js";
import { toStoreError } from "./errors.js";
import { SqliteTx } from "./sqlite-tx.js";

type Statement = Database.Statement<unknown[], unknown>;
export type Kind = "all" | "get" | "run" | "raw";

/** Dynamic SQL (IN lists) could grow the cache without bound; beyond this, the oldest go. */
const STATEMENT_CACHE_SIZE = 500;
/** Most transactions one group commit may carry, to bound how long the write lock is held. */
const MAX_GROUP = 100;

/** A statement or migration: runs synchronously, settles its own promise. */
interface WorkJob {
  kind: "work";
  run(): void;
}

interface TxJob {
  kind: "tx";
  fn: (tx: Tx) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

type Job = WorkJob | TxJob;

/** The transaction the current async call chain runs in, to catch nested `tx` and stray `store.*` calls. */
const currentTx = new AsyncLocalStorage<SqliteTx>();

/**
 * better-sqlite3 is synchronous and one connection is one transaction, but `Tx` is async (so
 * PostgreSQL can implement it). While a transaction awaits, anything else issued on the connection
 * would silently run inside it; so transactions and statements issued outside one wait in one FIFO
 * queue, and a statement only runs at once when nothing is running or waiting.
 *
 * Group commit: transactions that queued up while one ran are run one after another inside the
 * same SQLite transaction, each in its own SAVEPOINT (so each still commits or rolls back alone),
 * and share one COMMIT. A COMMIT costs far more than a small transaction's statements, so under
 * concurrent load this multiplies throughput; each `tx()` still resolves only once its work is
 * committed, and a lone transaction runs exactly as before.
 */
export class SqliteStore implements Store {
  readonly dialect = "sqlite" as const;
  private readonly statements = new Map<string, Statement>();
  private readonly queue: Job[] = [];
  private pumping = false;
  private closed = false;
  private drained: (() => void) | undefined;

  constructor(
    private readonly db: Database.Database,
    readonly file: string,
    private readonly clock: Clock,
  ) {}

  all<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.outside("all", sql, params) as Promise<T[]>;
  }

  get<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.outside("get", sql, params) as Promise<T | undefined>;
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.outside("run", sql, params) as Promise<{ changes: number }>;
  }

  allRaw(sql: string, params: readonly SqlValue[] = []): Promise<unknown[][]> {
    return this.outside("raw", sql, params) as Promise<unknown[][]>;
  }

  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const misuse = this.misuse("tx()");
    if (misuse) return Promise.reject(misuse);
    return new Promise<T>((resolve, reject) => {
      this.push({ kind: "tx", fn, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  async migrate(migrations: readonly Migration[]): Promise<number> {
    const misuse = this.misuse("migrate()");
    if (misuse) throw misuse;
    const applied = await this.all<AppliedMigration>("SELECT module, version FROM schema_migrations");
    let count = 0;
    for (const m of planMigrations(migrations, applied)) {
      if (await this.work(() => this.applyMigration(m))) count++;
    }
    return count;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pumping) await new Promise<void>((resolve) => (this.drained = resolve));
    this.db.close();
  }

  /** Runs one statement on the connection, now; callers guarantee whose transaction it is in. */
  execute(kind: Kind, sql: string, params: readonly SqlValue[]): unknown {
    try {
      const stmt = this.statement(sql);
      if (kind === "run") return { changes: stmt.run(...params).changes };
      // better-sqlite3 refuses all()/get() on statements that return no rows; the contract does not.
      if (!stmt.reader) {
        stmt.run(...params);
        return kind === "get" ? undefined : [];
      }
      if (kind === "raw") return rawRows(stmt, params);
      return kind === "all" ? stmt.all(...params) : stmt.get(...params);
    } catch (err) {
      throw toStoreError(err, this.file);
    }
  }

  private outside(kind: Kind, sql: string, params: readonly SqlValue[]): Promise<unknown> {
    const misuse = this.misuse(`store.${kind === "raw" ? "allRaw" : kind}()`);
    if (misuse) return Promise.reject(misuse);
    if (!this.pumping) {
      try {
        return Promise.resolve(this.execute(kind, sql, params));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.work(() => this.execute(kind, sql, params));
  }

  private work<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(this.misuse("store"));
    return new Promise<T>((resolve, reject) => {
      this.push({
        kind: "work",
        run() {
          try {
            resolve(fn());
          } catch (err) {
            reject(err);
          }
        },
      });
    });
  }

  private push(job: Job): void {
    this.queue.push(job);
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        if (job.kind === "work") job.run();
        else {
          await this.runGroup(job);
          // Back-to-back transactions must not starve I/O (deliveries, probes): let the loop turn.
          if (this.queue.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      this.pumping = false;
      this.drained?.();
    }
  }

  /** Runs `first` and whatever transactions queue behind it in one SQLite transaction. */
  private async runGroup(first: TxJob): Promise<void> {
    const done: { job: TxJob; value: unknown }[] = [];
    let job: TxJob | undefined = first;
    try {
      this.execute("run", "BEGIN IMMEDIATE", []);
      while (job) {
        // The first member needs no savepoint: if it fails, the whole (so far empty) transaction goes.
        const savepoint = done.length > 0;
        if (savepoint) this.execute("run", "SAVEPOINT grouped", []);
        const outcome = await this.runMember(job);
        if (!this.db.inTransaction) {
          // SQLite itself aborted the transaction (disk full, I/O error): earlier members' work is gone.
          throw outcome.ok
            ? new OpsError("store_unavailable", `data store ${this.file}: transaction aborted`)
            : outcome.err;
        }
        if (outcome.ok) {
          if (savepoint) this.execute("run", "RELEASE grouped", []);
          done.push({ job, value: outcome.value });
        } else if (savepoint) {
          this.execute("run", "ROLLBACK TO grouped", []);
          this.execute("run", "RELEASE grouped", []);
          job.reject(outcome.err);
        } else {
          this.rollback();
          job.reject(outcome.err);
          return;
        }
        job =
          this.queue[0]?.kind === "tx" && done.length < MAX_GROUP ? (this.queue.shift() as TxJob) : undefined;
      }
      this.execute("run", "COMMIT", []);
    } catch (err) {
      this.rollback();
      for (const d of done) d.job.reject(err);
      job?.reject(err);
      return;
    }
    for (const d of done) d.job.resolve(d.value);
  }

  private async runMember(job: TxJob): Promise<{ ok: true; value: unknown } | { ok: false; err: unknown }> {
    const tx = new SqliteTx(this);
    try {
      return { ok: true, value: await currentTx.run(tx, () => job.fn(tx)) };
    } catch (err) {
      return { ok: false, err };
    } finally {
      tx.active = false;
    }
  }

  /** Why this call must not run: the store is closed, or it comes from inside this store's own open tx. */
  private misuse(what: string): OpsError | undefined {
    if (this.closed) return new OpsError("store_unavailable", `data store ${this.file} is closed`);
    const tx = currentTx.getStore();
    if (tx?.active && tx.store === this) {
      // Queueing behind our own transaction would wait for ourselves: a deadlock, so fail loudly.
      return new OpsError(
        "internal",
        `${what} called inside store.tx(): nested transactions are not supported; use the tx passed to the callback`,
      );
    }
    return undefined;
  }

  private applyMigration(m: Migration): boolean {
    this.execute("run", "BEGIN IMMEDIATE", []);
    try {
      const done = this.statement("SELECT 1 FROM schema_migrations WHERE module = ? AND version = ?");
      if (done.get(m.module, m.version)) {
        this.rollback();
        return false; // another process applied it meanwhile
      }
      this.db.exec(migrationSql(m, "sqlite"));
      this.statement(
        "INSERT INTO schema_migrations (module, version, name, applied_at) VALUES (?, ?, ?, ?)",
      ).run(m.module, m.version, m.name, this.clock.now());
      this.execute("run", "COMMIT", []);
      return true;
    } catch (err) {
      this.rollback();
      const mapped = toStoreError(err, this.file);
      if (mapped instanceof OpsError && mapped.code === "store_unavailable") throw mapped;
      const label = `migration ${m.module} v${m.version} (${m.name})`;
      throw new OpsError("store_unavailable", `${label} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Only ever called on a failure path, whose error is the one to report. SQLite may already have
   * rolled back by itself (after SQLITE_FULL, say), and a failing ROLLBACK must not mask the cause
   * or leave queued transactions unsettled.
   */
  private rollback(): void {
    try {
      if (this.db.inTransaction) this.statement("ROLLBACK").run();
    } catch {
      // Nothing better to do than report the original error; the next BEGIN would say if it stuck.
    }
  }

  private statement(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

/** The cached statement is shared with `all`, so raw mode is switched on only for this call. */
function rawRows(stmt: Statement, params: readonly SqlValue[]): unknown[][] {
  stmt.raw(true);
  try {
    return stmt.all(...params) as unknown[][];
  } finally {
    stmt.raw(false);
  }
}
