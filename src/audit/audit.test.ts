import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.js";
import { redact } from "../core/redact.js";
import type { Store } from "../store/index.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { type AuditLog, auditMigrations, createAuditLog, GENESIS_HASH } from "./index.js";

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function openAudit(): Promise<{ store: Store; audit: AuditLog; clock: FakeClock; file: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-audit-"));
  dirs.push(dir);
  const file = path.join(dir, "ops.db");
  const store = await openSqliteStore({ file });
  stores.push(store);
  await store.migrate(auditMigrations);
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  return { store, audit: createAuditLog(store, clock), clock, file };
}

/** The README's recipe, reimplemented independently of src/audit/chain.ts. */
function sha256Lines(fields: (string | number)[]): string {
  return createHash("sha256")
    .update(fields.map((f) => `${f}\n`).join(""))
    .digest("hex");
}

describe("audit append and list", () => {
  it("chains entries from the genesis hash in the documented format", async () => {
    const { store, audit, clock } = await openAudit();
    const first = await store.tx((tx) =>
      audit.append(tx, {
        actor: "admin",
        action: "incident.ack",
        subject: "incident:7",
        data: { note: "on it" },
      }),
    );
    clock.advance(1500);
    const second = await store.tx((tx) =>
      audit.append(tx, { actor: "system", action: "runbook.run", subject: "rb:x" }),
    );

    expect(first).toMatchObject({
      seq: 1,
      ts: Date.UTC(2026, 0, 1),
      prev: GENESIS_HASH,
      data: { note: "on it" },
    });
    expect(first.hash).toBe(
      sha256Lines([GENESIS_HASH, 1, first.ts, "admin", "incident.ack", "incident:7", '{"note":"on it"}']),
    );
    expect(second).toMatchObject({ seq: 2, ts: first.ts + 1500, prev: first.hash, data: null });
    expect(second.hash).toBe(
      sha256Lines([first.hash, 2, second.ts, "system", "runbook.run", "rb:x", "null"]),
    );
    expect(await audit.head()).toEqual({ seq: 2, hash: second.hash });
    expect(await audit.list()).toEqual([first, second]);
  });

  it("records nothing when the surrounding transaction rolls back", async () => {
    const { store, audit } = await openAudit();
    await expect(
      store.tx(async (tx) => {
        await audit.append(tx, { actor: "a", action: "x.y", subject: "s" });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await audit.head()).toEqual({ seq: 0, hash: GENESIS_HASH });
    const entry = await store.tx((tx) => audit.append(tx, { actor: "a", action: "x.y", subject: "s" }));
    expect(entry.seq).toBe(1);
  });

  it("pages and filters by actor, action and time", async () => {
    const { store, audit, clock } = await openAudit();
    await store.tx(async (tx) => {
      for (let i = 0; i < 30; i++) {
        await audit.append(tx, {
          actor: i % 3 === 0 ? "admin" : "system",
          action: i % 2 === 0 ? "probe.create" : "alert.fire",
          subject: `n:${i}`,
          data: { i },
        });
        clock.advance(1000);
      }
    });
    const t0 = Date.UTC(2026, 0, 1);
    expect((await audit.list({ limit: 10 })).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await audit.list({ after: 25 })).map((e) => e.seq)).toEqual([26, 27, 28, 29, 30]);
    expect((await audit.list({ actor: "admin", limit: 3 })).map((e) => e.seq)).toEqual([1, 4, 7]);
    expect((await audit.list({ actor: "admin", action: "alert.fire" })).map((e) => e.seq)).toEqual([
      4, 10, 16, 22, 28,
    ]);
    expect((await audit.list({ from: t0 + 5000, to: t0 + 7000 })).map((e) => e.seq)).toEqual([6, 7, 8]);
    expect((await audit.list({ after: 2, limit: 1 }))[0]?.data).toEqual({ i: 2 });
    expect(await audit.list({ actor: "nobody" })).toEqual([]);
  });

  it("defaults to 100 entries and caps a page at 1000", async () => {
    const { store, audit } = await openAudit();
    await store.tx(async (tx) => {
      for (let i = 0; i < 1005; i++) await audit.append(tx, { actor: "a", action: "x.y", subject: "s" });
    });
    expect(await audit.list()).toHaveLength(100);
    expect(await audit.list({ limit: 5000 })).toHaveLength(1000);
    expect(await audit.list({ limit: 0 })).toHaveLength(1);
  });

  it("redacts secrets before they are hashed and stored", async () => {
    const { store, audit } = await openAudit();
    const entry = await store.tx((tx) =>
      audit.append(tx, {
        actor: "admin",
        action: "receiver.update",
        subject: "receiver:pager",
        data: { routing_key: "R0UT1NG", smtp: "smtp://bob:hunter2@mail", nested: [{ password: "pw" }] },
      }),
    );
    const stored = await store.get<{ data: string }>("SELECT data FROM audit_entries WHERE seq = 1");
    for (const secret of ["R0UT1NG", "hunter2", "bob", '"pw"']) expect(stored?.data).not.toContain(secret);
    expect(entry.data).toEqual({
      routing_key: "[redacted]",
      smtp: "smtp://[redacted]@mail",
      nested: [{ password: "[redacted]" }],
    });
    expect((await audit.verify()).ok).toBe(true);
  });

  it("redacts plain data exactly as core/redact does", async () => {
    const { store, audit } = await openAudit();
    const sample = {
      Token: "t",
      headers: { Authorization: "Bearer x", accept: "json" },
      list: ["https://u:p@host/x", { api_key: null, apikey: "k", secrets: ["a"] }],
      n: 1,
      ok: true,
    };
    const entry = await store.tx((tx) =>
      audit.append(tx, { actor: "a", action: "x.y", subject: "s", data: sample }),
    );
    expect(entry.data).toEqual(redact(sample));
  });

  it("stores data as JSON would (dates as ISO text) and refuses what JSON cannot hold", async () => {
    const { store, audit } = await openAudit();
    const entry = await store.tx((tx) =>
      audit.append(tx, {
        actor: "a",
        action: "x.y",
        subject: "s",
        data: { at: new Date(0), gone: undefined },
      }),
    );
    expect(entry.data).toEqual({ at: "1970-01-01T00:00:00.000Z" });
    const del = await store.tx((tx) =>
      audit.append(tx, { actor: "a", action: "x.y", subject: "s", data: "a\u007fb" }),
    );
    expect(del.data).toBe("a\u007fb");
    expect(await store.get("SELECT data FROM audit_entries WHERE seq = 2")).toEqual({ data: '"a\\u007fb"' });
    await expect(
      store.tx((tx) => audit.append(tx, { actor: "a", action: "x.y", subject: "s", data: { n: 1n } })),
    ).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("refuses multi-line or empty actor, action and subject", async () => {
    const { store, audit } = await openAudit();
    for (const bad of [
      { actor: "a\nb", action: "x.y", subject: "s" },
      { actor: "a", action: "x.y\r", subject: "s" },
      { actor: "a", action: "x.y", subject: "" },
    ]) {
      await expect(store.tx((tx) => audit.append(tx, bad))).rejects.toMatchObject({
        code: "validation_failed",
      });
    }
  });

  it("keeps a valid chain under 200 concurrent appends in separate transactions", async () => {
    const { store, audit } = await openAudit();
    const entries = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.tx((tx) => audit.append(tx, { actor: `user${i % 7}`, action: "x.y", subject: `s:${i}` })),
      ),
    );
    expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    expect(await audit.verify()).toEqual({ ok: true, entries: 200, head: await audit.head() });
    expect((await audit.head()).seq).toBe(200);
  });

  it("is append-only at the database level", async () => {
    const { store, audit } = await openAudit();
    await store.tx((tx) => audit.append(tx, { actor: "a", action: "x.y", subject: "s" }));
    await expect(store.run("UPDATE audit_entries SET actor = 'b'")).rejects.toThrow(/append-only/);
    await expect(store.run("DELETE FROM audit_entries")).rejects.toThrow(/append-only/);
  });
});

describe("audit verify", () => {
  /** A trail of `n` entries, and a raw connection to the same file, as a tamperer would have. */
  async function trail(n: number) {
    const fixture = await openAudit();
    const { store, audit, clock } = fixture;
    await store.tx(async (tx) => {
      for (let i = 1; i <= n; i++) {
        await audit.append(tx, {
          actor: `u${i % 4}`,
          action: "probe.update",
          subject: `probe:p${i}`,
          data: { i },
        });
        clock.advance(10);
      }
    });
    const raw = new Database(fixture.file);
    // A deliberate tamperer first removes the append-only guards.
    raw.exec("DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete;");
    return { ...fixture, raw };
  }

  it("passes an intact trail, and an empty one", async () => {
    const { audit } = await openAudit();
    expect(await audit.verify()).toEqual({ ok: true, entries: 0, head: { seq: 0, hash: GENESIS_HASH } });
    const t = await trail(50);
    const progress: number[] = [];
    const result = await t.audit.verify({ onProgress: (p) => progress.push(p.verified) });
    expect(result).toEqual({ ok: true, entries: 50, head: await t.audit.head() });
    expect(progress.at(-1)).toBe(50);
    t.raw.close();
  });

  it("verifies through a Store without the optional allRaw fast path", async () => {
    const t = await trail(20);
    const s = t.store;
    const plain: Store = {
      dialect: s.dialect,
      all: s.all.bind(s),
      get: s.get.bind(s),
      run: s.run.bind(s),
      tx: s.tx.bind(s),
      migrate: s.migrate.bind(s),
      close: s.close.bind(s),
    };
    const audit = createAuditLog(plain, t.clock);
    expect(await audit.verify()).toMatchObject({ ok: true, entries: 20 });
    t.raw.prepare("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 5").run();
    expect((await audit.verify()).firstBad?.reason).toBe("seq 5: hash mismatch (row edited)");
    t.raw.close();
  });

  it("streams a trail longer than one page and finds an edit beyond the first page", async () => {
    const t = await trail(12_000);
    expect(await t.audit.verify()).toMatchObject({ ok: true, entries: 12_000 });
    t.raw.prepare("UPDATE audit_entries SET data = '{\"i\":0}' WHERE seq = 10001").run();
    expect((await t.audit.verify()).firstBad).toEqual({
      seq: 10_001,
      reason: "seq 10001: hash mismatch (row edited)",
    });
    t.raw.close();
  });

  it("(a) catches an edited row", async () => {
    const t = await trail(100);
    t.raw.prepare("UPDATE audit_entries SET data = ? WHERE seq = 42").run('{"i":4200}');
    expect(await t.audit.verify()).toMatchObject({
      ok: false,
      entries: 41,
      firstBad: { seq: 42, reason: "seq 42: hash mismatch (row edited)" },
    });
    t.raw.close();
  });

  it("(b) catches a deleted middle row", async () => {
    const t = await trail(100);
    t.raw.prepare("DELETE FROM audit_entries WHERE seq = 42").run();
    expect((await t.audit.verify()).firstBad).toEqual({
      seq: 42,
      reason: "seq 41 → 43: entry 42 missing (row deleted)",
    });
    t.raw.prepare("DELETE FROM audit_entries WHERE seq IN (1, 2)").run();
    expect((await t.audit.verify()).firstBad).toEqual({
      seq: 1,
      reason: "first entry is seq 3: entries 1–2 missing (rows deleted)",
    });
    t.raw.close();
  });

  it("(c) catches two rows whose contents were swapped", async () => {
    const t = await trail(100);
    const cols = "ts, actor, action, subject, data, prev, hash";
    const get = t.raw.prepare(`SELECT ${cols} FROM audit_entries WHERE seq = ?`);
    const set = t.raw.prepare(
      "UPDATE audit_entries SET ts = ?, actor = ?, action = ?, subject = ?, data = ?, prev = ?, hash = ? WHERE seq = ?",
    );
    const a = get.raw().get(30) as unknown[];
    const b = get.raw().get(31) as unknown[];
    t.raw.transaction(() => {
      set.run(...b, 30);
      set.run(...a, 31);
    })();
    expect((await t.audit.verify()).firstBad).toEqual({
      seq: 30,
      reason: "seq 30: prev does not match hash of seq 29 (rows reordered or replaced)",
    });
    t.raw.close();
  });

  it("(d) catches a deleted last row", async () => {
    const t = await trail(100);
    t.raw.prepare("DELETE FROM audit_entries WHERE seq = 100").run();
    expect((await t.audit.verify()).firstBad).toEqual({
      seq: 100,
      reason: "head says seq 100 but last entry is 99 (tail truncated)",
    });
    t.raw.close();
  });

  it("(e) catches an edited row whose own hash was recomputed, at the next link", async () => {
    const t = await trail(100);
    const row = t.raw.prepare("SELECT * FROM audit_entries WHERE seq = 42").get() as Record<
      string,
      string | number
    >;
    const data = '{"i":-1}';
    const hash = sha256Lines([row.prev!, 42, row.ts!, row.actor!, row.action!, row.subject!, data]);
    t.raw.prepare("UPDATE audit_entries SET data = ?, hash = ? WHERE seq = 42").run(data, hash);
    expect((await t.audit.verify()).firstBad).toEqual({
      seq: 43,
      reason: "seq 43: prev does not match hash of seq 42 (rows reordered or replaced)",
    });
    t.raw.close();
  });

  it("catches a rewritten head, rows added behind its back, and a deleted head", async () => {
    const t = await trail(10);
    t.raw.prepare("UPDATE audit_head SET hash = ? WHERE id = 1").run("f".repeat(64));
    expect((await t.audit.verify()).firstBad?.reason).toBe(
      "head hash does not match the hash of seq 10 (head rewritten)",
    );
    const last = t.raw.prepare("SELECT hash FROM audit_entries WHERE seq = 10").pluck().get() as string;
    t.raw.prepare("UPDATE audit_head SET hash = ? WHERE id = 1").run(last);
    t.raw
      .prepare(
        "INSERT INTO audit_entries SELECT 11, ts, actor, action, subject, data, ?, 'x' FROM audit_entries WHERE seq = 10",
      )
      .run(last);
    expect((await t.audit.verify()).firstBad).toEqual({
      seq: 11,
      reason: "head says seq 10 but entries continue to seq 11 (entries added outside the trail)",
    });
    t.raw.prepare("DELETE FROM audit_head").run();
    expect((await t.audit.verify()).firstBad?.reason).toMatch(/head row is missing/);
    await expect(t.audit.head()).rejects.toMatchObject({ code: "audit_tampered" });
    t.raw.close();
  });

  it("can be re-verified by hand with the sqlite3 shell and sha256sum (README recipe)", async () => {
    const t = await trail(3);
    t.raw.close();
    await t.store.close();
    const sql = "SELECT prev, seq, ts, actor, action, subject, data, hash FROM audit_entries WHERE seq = 2";
    let out: string;
    try {
      out = execFileSync("sqlite3", ["-readonly", "-separator", "\n", t.file, sql], { encoding: "utf8" });
    } catch {
      return; // no sqlite3 shell on this machine
    }
    const lines = out.split("\n");
    const stored = lines[7];
    const material = `${lines.slice(0, 7).join("\n")}\n`;
    expect(createHash("sha256").update(material).digest("hex")).toBe(stored);
  });
});
