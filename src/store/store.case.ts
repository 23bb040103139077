import { afterEach, describe, expect, it } from "vitest";
import { isOpsError } from "../core/errors.js";
import type { Migration, Store } from "./index.js";

/**
 * The contract every Store implementation passes (SQLite now, PostgreSQL later). `open` returns a
 * fresh, empty store each time; the suite closes what it opens.
 */
export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    const opened: Store[] = [];
    const fresh = async () => {
      const store = await open();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

    async function counterStore(): Promise<Store> {
      const store = await fresh();
      await store.run("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
      await store.run("INSERT INTO counter (id, n) VALUES (1, 0)");
      return store;
    }

    it("creates, reads, updates and deletes rows", async () => {
      const store = await fresh();
      await store.run("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER)");
      expect(await store.run("INSERT INTO items (id, name, qty) VALUES (?, ?, ?)", [1, "a", 10])).toEqual({
        changes: 1,
      });
      await store.run("INSERT INTO items (id, name, qty) VALUES (?, ?, ?)", [2, "b", 20]);
      expect(await store.all("SELECT id, name, qty FROM items ORDER BY id")).toEqual([
        { id: 1, name: "a", qty: 10 },
        { id: 2, name: "b", qty: 20 },
      ]);
      expect(await store.run("UPDATE items SET qty = qty + 1", [])).toEqual({ changes: 2 });
      expect(await store.get("SELECT qty FROM items WHERE id = ?", [2])).toEqual({ qty: 21 });
      expect(await store.run("DELETE FROM items WHERE id = ?", [1])).toEqual({ changes: 1 });
      expect(await store.get("SELECT * FROM items WHERE id = ?", [1])).toBeUndefined();
      expect(await store.all("SELECT * FROM items WHERE id = ?", [1])).toEqual([]);
    });

    it("returns rows as plain objects", async () => {
      const store = await fresh();
      const row = await store.get<object>("SELECT 1 AS one");
      expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    });

    it("binds every SqlValue type and returns integers as numbers", async () => {
      const store = await fresh();
      const blob = store.dialect === "postgres" ? "BYTEA" : "BLOB";
      await store.run(
        `CREATE TABLE vals (id INTEGER PRIMARY KEY, s TEXT, i BIGINT, f DOUBLE PRECISION, b ${blob}, n TEXT)`,
      );
      const bytes = new Uint8Array([0, 1, 2, 254, 255]);
      await store.run("INSERT INTO vals (id, s, i, f, b, n) VALUES (?, ?, ?, ?, ?, ?)", [
        1,
        "héllo ✓ 'quoted'",
        1_767_225_600_123n,
        -2.5,
        bytes,
        null,
      ]);
      await store.run("INSERT INTO vals (id, i) VALUES (?, ?)", [2, -9_007_199_254_740_991]);
      const row = await store.get<Record<string, unknown>>("SELECT * FROM vals WHERE id = ?", [1]);
      expect(row).toMatchObject({ id: 1, s: "héllo ✓ 'quoted'", i: 1_767_225_600_123, f: -2.5, n: null });
      expect(typeof row?.i).toBe("number");
      expect(row?.b).toBeInstanceOf(Uint8Array);
      expect(Array.from(row?.b as Uint8Array)).toEqual(Array.from(bytes));
      expect(await store.get("SELECT i FROM vals WHERE id = ?", [2])).toEqual({ i: -9_007_199_254_740_991 });
      expect(await store.get("SELECT COUNT(*) AS c FROM vals WHERE i > ?", [0])).toEqual({ c: 1 });
    });

    it("reports a uniqueness violation as OpsError conflict", async () => {
      const store = await fresh();
      await store.run("CREATE TABLE names (name TEXT PRIMARY KEY)");
      await store.run("INSERT INTO names (name) VALUES (?)", ["x"]);
      await expect(store.run("INSERT INTO names (name) VALUES (?)", ["x"])).rejects.toMatchObject({
        code: "conflict",
      });
    });

    it("commits a transaction and returns its result", async () => {
      const store = await counterStore();
      const result = await store.tx(async (tx) => {
        await tx.run("UPDATE counter SET n = n + 5 WHERE id = 1");
        return tx.get<{ n: number }>(`SELECT n FROM counter WHERE id = 1 ${tx.lock}`);
      });
      expect(result).toEqual({ n: 5 });
      expect(await store.get("SELECT n FROM counter WHERE id = 1")).toEqual({ n: 5 });
    });

    it("rolls back when the callback throws and rethrows the same error", async () => {
      const store = await counterStore();
      const boom = new Error("boom");
      await expect(
        store.tx(async (tx) => {
          await tx.run("UPDATE counter SET n = 99 WHERE id = 1");
          await tx.run("INSERT INTO counter (id, n) VALUES (2, 2)");
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await store.all("SELECT id, n FROM counter")).toEqual([{ id: 1, n: 0 }]);
    });

    it("rolls back when a statement fails inside the transaction", async () => {
      const store = await counterStore();
      await expect(
        store.tx(async (tx) => {
          await tx.run("UPDATE counter SET n = 7 WHERE id = 1");
          await tx.run("INSERT INTO counter (id, n) VALUES (1, 1)");
        }),
      ).rejects.toMatchObject({ code: "conflict" });
      expect(await store.get("SELECT n FROM counter WHERE id = 1")).toEqual({ n: 0 });
    });

    it("serializes concurrent transactions: 50 read-increment-write never lose an update", async () => {
      const store = await counterStore();
      await Promise.all(
        Array.from({ length: 50 }, () =>
          store.tx(async (tx) => {
            const row = await tx.get<{ n: number }>(`SELECT n FROM counter WHERE id = 1 ${tx.lock}`);
            await nextTurn(); // give every other transaction the chance to interleave
            await tx.run("UPDATE counter SET n = ? WHERE id = 1", [(row?.n ?? 0) + 1]);
          }),
        ),
      );
      expect(await store.get("SELECT n FROM counter WHERE id = 1")).toEqual({ n: 50 });
    });

    it("never lets a statement outside a transaction see or join its uncommitted writes", async () => {
      const store = await counterStore();
      let inserted!: () => void;
      const insertedP = new Promise<void>((resolve) => {
        inserted = resolve;
      });
      const txDone = store.tx(async (tx) => {
        await tx.run("INSERT INTO counter (id, n) VALUES (2, 2)");
        inserted();
        for (let i = 0; i < 5; i++) await nextTurn();
        throw new Error("abort");
      });
      await insertedP;
      const outside = store.all("SELECT id FROM counter ORDER BY id");
      const write = store.run("INSERT INTO counter (id, n) VALUES (3, 3)");
      await expect(txDone).rejects.toThrow("abort");
      expect(await outside).toEqual([{ id: 1 }]);
      await write;
      // The outside write was not swept away by the rollback: it never ran inside that transaction.
      expect(await store.all("SELECT id FROM counter ORDER BY id")).toEqual([{ id: 1 }, { id: 3 }]);
    });

    it("commits or rolls back concurrent transactions independently of each other", async () => {
      const store = await counterStore();
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          store.tx(async (tx) => {
            await tx.run("INSERT INTO counter (id, n) VALUES (?, ?)", [100 + i, i]);
            await nextTurn();
            if (i % 3 === 0) throw new Error(`fail ${i}`);
            if (i % 5 === 0) await tx.run("INSERT INTO counter (id, n) VALUES (1, 1)"); // conflict
            return i;
          }),
        ),
      );
      const committed = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      expect(committed).toEqual([1, 2, 4, 7, 8, 11, 13, 14, 16, 17, 19]);
      const rows = await store.all<{ id: number }>("SELECT id FROM counter WHERE id >= 100 ORDER BY id");
      expect(rows.map((r) => r.id - 100)).toEqual(committed);
    });

    it("returns rows as arrays from the optional allRaw", async () => {
      const store = await fresh();
      if (!store.allRaw) return;
      await store.run("CREATE TABLE r (a INTEGER, b TEXT)");
      await store.run("INSERT INTO r (a, b) VALUES (1, 'x'), (2, NULL)");
      expect(await store.allRaw("SELECT a, b FROM r WHERE a >= ? ORDER BY a", [1])).toEqual([
        [1, "x"],
        [2, null],
      ]);
      // The same SQL through `all` still yields objects.
      expect(await store.all("SELECT a, b FROM r WHERE a >= ? ORDER BY a", [2])).toEqual([{ a: 2, b: null }]);
    });

    it("refuses a nested transaction with a clear error instead of deadlocking", async () => {
      const store = await counterStore();
      const err = await store
        .tx(async () => store.tx(async () => "inner"))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isOpsError(err)).toBe(true);
      expect(String((err as Error).message)).toMatch(/nested/);
      // The store is still usable afterwards.
      expect(await store.tx(async (tx) => tx.get("SELECT n FROM counter WHERE id = 1"))).toEqual({ n: 0 });
    });

    it("applies migrations in version order, once, and reports how many ran", async () => {
      const store = await fresh();
      const v1: Migration = { module: "m", version: 1, name: "create", sql: "CREATE TABLE m_t (a INTEGER)" };
      const v2: Migration = {
        module: "m",
        version: 2,
        name: "add column",
        sql: "ALTER TABLE m_t ADD COLUMN b TEXT; INSERT INTO m_t (a, b) VALUES (1, 'x')",
      };
      const other: Migration = {
        module: "other",
        version: 1,
        name: "dialects",
        sql: { sqlite: "CREATE TABLE other_t (d TEXT)", postgres: "CREATE TABLE other_t (d TEXT)" },
      };
      expect(await store.migrate([v2, other, v1])).toBe(3);
      expect(await store.migrate([v1, v2, other])).toBe(0);
      expect(await store.all("SELECT a, b FROM m_t")).toEqual([{ a: 1, b: "x" }]);
      const rows = await store.all<{ module: string; version: number; name: string; applied_at: number }>(
        "SELECT module, version, name, applied_at FROM schema_migrations ORDER BY module, version",
      );
      expect(rows.map((r) => [r.module, r.version, r.name])).toEqual([
        ["m", 1, "create"],
        ["m", 2, "add column"],
        ["other", 1, "dialects"],
      ]);
      expect(typeof rows[0]?.applied_at).toBe("number");
    });

    it("applies a later migration added to an up-to-date store", async () => {
      const store = await fresh();
      const v1: Migration = { module: "m", version: 1, name: "create", sql: "CREATE TABLE m_t (a INTEGER)" };
      await store.migrate([v1]);
      const v2: Migration = { module: "m", version: 2, name: "index", sql: "CREATE INDEX m_t_a ON m_t (a)" };
      expect(await store.migrate([v1, v2])).toBe(1);
    });

    it("keeps earlier migrations and records nothing for a failing one", async () => {
      const store = await fresh();
      const good: Migration = { module: "m", version: 1, name: "ok", sql: "CREATE TABLE m_ok (a INTEGER)" };
      const bad: Migration = {
        module: "m",
        version: 2,
        name: "broken",
        sql: "CREATE TABLE m_bad (a INTEGER); NOT SQL",
      };
      await expect(store.migrate([good, bad])).rejects.toMatchObject({ code: "store_unavailable" });
      expect(await store.all("SELECT version FROM schema_migrations WHERE module = 'm'")).toEqual([
        { version: 1 },
      ]);
      await expect(store.all("SELECT * FROM m_bad")).rejects.toThrow();
    });

    it("refuses to run over data written by a newer version", async () => {
      const store = await fresh();
      const v1: Migration = { module: "m", version: 1, name: "create", sql: "CREATE TABLE m_t (a INTEGER)" };
      const v2: Migration = { module: "m", version: 2, name: "more", sql: "CREATE TABLE m_u (a INTEGER)" };
      await store.migrate([v1, v2]);
      const err = await store.migrate([v1]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: "store_unavailable" });
      expect((err as Error).message).toMatch(/newer HMS-OPS/);
      expect((err as Error).message).toMatch(/"m" is at schema version 2.*knows up to 1/);
    });

    it("rejects duplicate migrations in one list", async () => {
      const store = await fresh();
      const v1: Migration = { module: "m", version: 1, name: "a", sql: "CREATE TABLE m_a (a INTEGER)" };
      await expect(store.migrate([v1, { ...v1, name: "b" }])).rejects.toThrow(/listed twice/);
    });

    it("rejects use after close", async () => {
      const store = await open();
      await store.close();
      await expect(store.get("SELECT 1")).rejects.toMatchObject({ code: "store_unavailable" });
      await expect(store.tx(async () => 1)).rejects.toMatchObject({ code: "store_unavailable" });
    });
  });
}
