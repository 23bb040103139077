import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { storeContract } from "../store.case.js";
import { openSqliteStore } from "./index.js";

const dirs: string[] = [];
async function tempFile(name = "ops.db"): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-store-"));
  dirs.push(dir);
  return path.join(dir, name);
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

storeContract("sqlite", async () => openSqliteStore({ file: await tempFile() }));

describe("openSqliteStore", () => {
  it("turns on WAL, NORMAL sync and foreign keys", async () => {
    const store = await openSqliteStore({ file: await tempFile() });
    expect(await store.get("PRAGMA journal_mode")).toEqual({ journal_mode: "wal" });
    expect(await store.get("PRAGMA synchronous")).toEqual({ synchronous: 1 });
    expect(await store.get("PRAGMA foreign_keys")).toEqual({ foreign_keys: 1 });
    await store.close();
  });

  it("creates the parent directory private to the service user", async () => {
    const file = path.join(path.dirname(await tempFile()), "nested", "data", "ops.db");
    const store = await openSqliteStore({ file });
    expect((await fs.stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect((await fs.stat(file)).mode & 0o077).toBe(0);
    await store.close();
  });

  it("keeps data across a reopen", async () => {
    const file = await tempFile();
    const first = await openSqliteStore({ file });
    await first.migrate([{ module: "t", version: 1, name: "t", sql: "CREATE TABLE t (v TEXT)" }]);
    await first.tx(async (tx) => {
      await tx.run("INSERT INTO t (v) VALUES (?)", ["kept"]);
    });
    await first.close();
    const second = await openSqliteStore({ file });
    expect(await second.all("SELECT v FROM t")).toEqual([{ v: "kept" }]);
    expect(
      await second.migrate([{ module: "t", version: 1, name: "t", sql: "CREATE TABLE t (v TEXT)" }]),
    ).toBe(0);
    await second.close();
  });

  it("refuses a file that is not a database, naming it", async () => {
    const file = await tempFile("notes.txt");
    await fs.writeFile(file, "these are my notes, not a database\n".repeat(200));
    const err = await openSqliteStore({ file }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "store_unavailable" });
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/not an HMS-OPS database/);
  });

  it("refuses a database locked by another process, naming it", async () => {
    const file = await tempFile();
    await (await openSqliteStore({ file })).close();
    const other = new Database(file);
    other.exec("BEGIN IMMEDIATE");
    try {
      const err = await openSqliteStore({ file, busyTimeoutMs: 50 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: "store_unavailable" });
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).toMatch(/locked by another process/);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
  });

  it("refuses a path it cannot create", async () => {
    const blocker = await tempFile("a-file");
    await fs.writeFile(blocker, "x");
    await expect(openSqliteStore({ file: path.join(blocker, "ops.db") })).rejects.toMatchObject({
      code: "store_unavailable",
      message: expect.stringContaining(blocker),
    });
  });

  it("makes a read issued during a transaction wait until the transaction ends", async () => {
    const store = await openSqliteStore({ file: await tempFile() });
    await store.run("CREATE TABLE t (v INTEGER)");
    const events: string[] = [];
    const tx = store.tx(async (t) => {
      await t.run("INSERT INTO t (v) VALUES (1)");
      await new Promise((resolve) => setTimeout(resolve, 20));
      events.push("commit");
    });
    await Promise.resolve();
    const read = store.all("SELECT v FROM t").then((rows) => {
      events.push("read");
      return rows;
    });
    await tx;
    expect(await read).toEqual([{ v: 1 }]);
    expect(events).toEqual(["commit", "read"]);
    await store.close();
  });

  it("refuses store.* called from inside its own transaction, and tx use after the end", async () => {
    const store = await openSqliteStore({ file: await tempFile() });
    let leaked: { get(sql: string): Promise<unknown> } | undefined;
    await expect(
      store.tx(async (tx) => {
        leaked = tx;
        return store.get("SELECT 1");
      }),
    ).rejects.toThrow(/inside store.tx\(\)/);
    await expect(leaked?.get("SELECT 1")).rejects.toThrow(/after its transaction ended/);
    // Work started inside a tx but run after it ended is not mistaken for nesting.
    let later: Promise<unknown> | undefined;
    await store.tx(async () => {
      later = new Promise((resolve) => setTimeout(resolve, 5)).then(() => store.get("SELECT 2 AS two"));
    });
    expect(await later).toEqual({ two: 2 });
    await store.close();
  });

  it("supports an in-memory store", async () => {
    const store = await openSqliteStore({ file: ":memory:" });
    expect(await store.get("SELECT 1 AS one")).toEqual({ one: 1 });
    await store.close();
  });
});
