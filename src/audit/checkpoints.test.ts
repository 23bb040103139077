import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { unitScope } from "../../test/helpers.js";
import { FakeClock } from "../core/clock.js";
import { silentLogger } from "../core/log.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { verifyCheckpoints } from "./checkpoints.js";
import {
  type AuditKeys,
  auditMigrations,
  checkpointMaterial,
  createAuditLog,
  GENESIS_HASH,
  loadOrCreateSigningKeys,
  PRIVATE_KEY_FILE,
  PUBLIC_KEY_FILE,
  readPublicKeyFile,
  startCheckpoints,
} from "./index.js";

const HOUR = 3_600_000;
const scope = unitScope("hms-ops-cp-");
const tempDir = scope.tempDir;

async function open(dir = tempDir()) {
  const file = path.join(dir, "ops.db");
  const store = await openSqliteStore({ file });
  scope.track(store);
  await store.migrate(auditMigrations);
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const keys = loadOrCreateSigningKeys(dir);
  const audit = createAuditLog(store, clock, { keys });
  const append = (i: number) =>
    store.tx((tx) => audit.append(tx, { actor: "admin", action: "probe.update", subject: `probe:p${i}` }));
  return { dir, file, store, clock, keys, audit, append };
}

/** A raw connection without the append-only guards, as a tamperer would have. */
function tamper(file: string): Database.Database {
  const raw = new Database(file);
  for (const { name } of raw.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as {
    name: string;
  }[])
    raw.exec(`DROP TRIGGER "${name}"`);
  return raw;
}

describe("audit signing keys", () => {
  it("creates an Ed25519 key pair at first start, private 0600, public PEM beside it, and reuses it", () => {
    const dir = tempDir();
    const keys = loadOrCreateSigningKeys(dir);
    const priv = path.join(dir, PRIVATE_KEY_FILE);
    expect(fs.statSync(priv).mode & 0o777).toBe(0o600);
    const pem = fs.readFileSync(path.join(dir, PUBLIC_KEY_FILE), "utf8");
    expect(pem).toBe(keys.publicKeyPem);
    expect(crypto.createPublicKey(pem).asymmetricKeyType).toBe("ed25519");
    expect(keys.keyId).toBe(
      crypto
        .createHash("sha256")
        .update(crypto.createPublicKey(pem).export({ type: "spki", format: "der" }))
        .digest("hex"),
    );
    expect(loadOrCreateSigningKeys(dir).keyId).toBe(keys.keyId);
    expect(readPublicKeyFile(path.join(dir, PUBLIC_KEY_FILE))?.keyId).toBe(keys.keyId);
    // A deleted public file is rewritten from the private key.
    fs.rmSync(path.join(dir, PUBLIC_KEY_FILE));
    expect(loadOrCreateSigningKeys(dir).keyId).toBe(keys.keyId);
    expect(fs.readFileSync(path.join(dir, PUBLIC_KEY_FILE), "utf8")).toBe(pem);
  });

  it("refuses a private key readable by group or others, naming the file and the fix", () => {
    const dir = tempDir();
    loadOrCreateSigningKeys(dir);
    const priv = path.join(dir, PRIVATE_KEY_FILE);
    for (const mode of [0o640, 0o604, 0o660]) {
      fs.chmodSync(priv, mode);
      expect(() => loadOrCreateSigningKeys(dir)).toThrow(
        expect.objectContaining({
          code: "audit_key_unusable",
          message: `audit signing key ${priv} has mode ${mode.toString(8).padStart(4, "0")}, readable or writable by group or others; refusing to use it (fix: chmod 600 ${priv})`,
        }),
      );
    }
    fs.chmodSync(priv, 0o400);
    expect(() => loadOrCreateSigningKeys(dir)).not.toThrow();
  });

  it("refuses a key file that is not an Ed25519 private key, and never creates one when told not to", () => {
    const dir = tempDir();
    const priv = path.join(dir, PRIVATE_KEY_FILE);
    expect(() => loadOrCreateSigningKeys(dir, { create: false })).toThrow(/does not exist/);
    expect(fs.existsSync(priv)).toBe(false);
    const rsa = crypto.generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
    fs.writeFileSync(priv, rsa.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    expect(() => loadOrCreateSigningKeys(dir)).toThrow(/holds a rsa key, not an Ed25519 key/);
    fs.writeFileSync(priv, "garbage");
    expect(() => loadOrCreateSigningKeys(dir)).toThrow(/is not a PEM private key/);
  });
});

describe("audit checkpoints", () => {
  it("signs the head in the documented format", async () => {
    const { audit, append, keys } = await open();
    await append(1);
    const cp = await audit.checkpoint();
    const head = await audit.head();
    expect(cp).toMatchObject({ n: 1, seq: 1, hash: head.hash, ts: Date.UTC(2026, 0, 1), key: keys.keyId });
    const material = `hms-ops audit checkpoint v1\n1\n1\n${head.hash}\n${cp.ts}\n`;
    expect(checkpointMaterial(cp)).toBe(material);
    expect(
      crypto.verify(null, Buffer.from(material), keys.publicKey, Buffer.from(cp.signature, "base64")),
    ).toBe(true);
    expect(await audit.checkpoints()).toEqual([cp]);
  });

  it("fake clock: a checkpoint at start, one after an idle hour, one per interval, one at shutdown", async () => {
    const { audit, clock, append } = await open();
    const results: boolean[] = [];
    const schedule = startCheckpoints({
      audit,
      clock,
      intervalMs: HOUR,
      logger: silentLogger(),
      onVerified: (ok) => results.push(ok),
    });
    clock.advance(0);
    await schedule.settled();
    expect((await audit.checkpoints()).map((c) => [c.n, c.seq])).toEqual([[1, 0]]);
    clock.advance(HOUR - 1);
    await schedule.settled();
    expect(await audit.checkpoints()).toHaveLength(1);
    clock.advance(1); // an idle hour: nothing appended, still signed
    await schedule.settled();
    const idle = await audit.checkpoints();
    expect(idle.map((c) => [c.n, c.seq, c.ts])).toEqual([
      [1, 0, Date.UTC(2026, 0, 1)],
      [2, 0, Date.UTC(2026, 0, 1) + HOUR],
    ]);
    expect(idle[1]?.hash).toBe(GENESIS_HASH);
    await append(1);
    clock.advance(HOUR);
    await schedule.settled();
    expect((await audit.checkpoints()).at(-1)).toMatchObject({ n: 3, seq: 1 });
    schedule.setInterval(10 * 60_000);
    clock.advance(10 * 60_000);
    await schedule.settled();
    expect(await audit.checkpoints()).toHaveLength(4);
    await append(2);
    await schedule.stop();
    expect((await audit.checkpoints()).at(-1)).toMatchObject({ n: 5, seq: 2 });
    expect(schedule.last()).toMatchObject({ n: 5 });
    clock.advance(24 * HOUR);
    expect(await audit.checkpoints()).toHaveLength(5);
    expect(clock.pendingTimers()).toBe(0);
    expect(results).toEqual([true, true, true, true]);
    expect(await audit.verify()).toMatchObject({ ok: true, checkpoints: { ok: true, count: 5 } });
  });

  it("a failed periodic verification is reported and the tampered head is not signed", async () => {
    const { audit, clock, append, file } = await open();
    const results: boolean[] = [];
    const schedule = startCheckpoints({
      audit,
      clock,
      intervalMs: HOUR,
      logger: silentLogger(),
      onVerified: (ok) => results.push(ok),
    });
    for (let i = 1; i <= 5; i++) await append(i);
    clock.advance(0);
    await schedule.settled();
    const raw = tamper(file);
    raw.prepare("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2").run();
    raw.close();
    clock.advance(HOUR);
    await schedule.settled();
    expect(results).toEqual([true, false]);
    expect(await audit.checkpoints()).toHaveLength(1);
    await schedule.stop();
  });

  it("does not mistake entries and checkpoints appended after the chain was read for a lost tail", async () => {
    const { audit, append, store, keys } = await open();
    for (let i = 1; i <= 3; i++) await append(i);
    const snapshot = (await audit.head()).seq;
    await append(4);
    await audit.checkpoint();
    expect(await verifyCheckpoints(store, { keys, lastSeq: snapshot })).toMatchObject({ ok: true, count: 1 });
  });

  it("catches a truncated tail even when the tamperer also rewound the head row", async () => {
    const { audit, append, file } = await open();
    for (let i = 1; i <= 10; i++) await append(i);
    await audit.checkpoint();
    const raw = tamper(file);
    raw.prepare("DELETE FROM audit_entries WHERE seq > 7").run();
    raw.prepare("UPDATE audit_head SET seq = 7, hash = (SELECT hash FROM audit_entries WHERE seq = 7)").run();
    raw.close();
    expect(await audit.verify()).toMatchObject({
      ok: false,
      entries: 7,
      firstBad: {
        seq: 10,
        reason: "checkpoint 1: signed head seq 10 but the trail ends at seq 7 (tail truncated)",
      },
      checkpoints: { ok: false, count: 0 },
    });
  });

  it("catches deleted, forged and foreign-key checkpoints, and a checkpoint this server wrote going missing", async () => {
    const { audit, append, file, store, clock, keys } = await open();
    for (let i = 1; i <= 3; i++) {
      await append(i);
      await audit.checkpoint();
    }
    expect(await audit.verify()).toMatchObject({
      ok: true,
      checkpoints: { ok: true, count: 3, last: { n: 3 } },
    });

    const raw = tamper(file);
    const row = raw.prepare("SELECT * FROM audit_checkpoints WHERE n = 2").get() as Record<string, unknown>;
    raw.prepare("UPDATE audit_checkpoints SET ts = ts + 1 WHERE n = 2").run();
    expect((await audit.verify()).firstBad?.reason).toBe(
      "checkpoint 2: signature does not verify (checkpoint forged or altered)",
    );
    // A checkpoint re-signed with another key.
    const other: AuditKeys = loadOrCreateSigningKeys(tempDir());
    const forged = { n: 2, seq: row.seq as number, hash: row.hash as string, ts: row.ts as number };
    const sig = other.sign?.(checkpointMaterial(forged));
    raw
      .prepare("UPDATE audit_checkpoints SET ts = ?, key = ?, signature = ? WHERE n = 2")
      .run(forged.ts, other.keyId, sig);
    expect((await audit.verify()).firstBad?.reason).toMatch(
      /^checkpoint 2: signed by key [0-9a-f]{16}, not the trusted key [0-9a-f]{16}/,
    );
    raw.prepare("DELETE FROM audit_checkpoints WHERE n = 2").run();
    expect((await audit.verify()).firstBad?.reason).toBe("checkpoint 2: missing (deleted)");
    raw.prepare("DELETE FROM audit_checkpoints WHERE n = 3").run();
    // The log that signed checkpoint 3 remembers it; another process only sees a shorter list.
    expect((await audit.verify()).firstBad?.reason).toBe(
      "checkpoint 3: written by this server but no longer stored (checkpoints deleted)",
    );
    expect((await createAuditLog(store, clock, { keys }).verify()).ok).toBe(true);
    raw.close();
    // Without keys the log verifies the chain only, as before.
    expect(await createAuditLog(store, clock).verify()).toEqual({
      ok: true,
      entries: 3,
      head: await audit.head(),
    });
  });

  it("catches a rewritten suffix whose hashes were all recomputed: the signature still names the old hash", async () => {
    const { audit, append, file } = await open();
    for (let i = 1; i <= 4; i++) await append(i);
    await audit.checkpoint();
    const raw = tamper(file);
    // Rebuild seq 3 and 4 with a different actor and fresh hashes, and move the head.
    const { entryHash } = await import("./chain.js");
    let prev = (raw.prepare("SELECT hash FROM audit_entries WHERE seq = 2").get() as { hash: string }).hash;
    for (const seq of [3, 4]) {
      const r = raw.prepare("SELECT * FROM audit_entries WHERE seq = ?").get(seq) as Record<
        string,
        string | number
      >;
      const f = { ...r, actor: "mallory", prev } as Parameters<typeof entryHash>[0];
      const hash = entryHash(f);
      raw
        .prepare("UPDATE audit_entries SET actor = ?, prev = ?, hash = ? WHERE seq = ?")
        .run("mallory", prev, hash, seq);
      prev = hash;
    }
    raw.prepare("UPDATE audit_head SET hash = ?").run(prev);
    raw.close();
    expect((await audit.verify()).firstBad).toEqual({
      seq: 4,
      reason: "checkpoint 1: signed hash of seq 4 differs from the stored entry (entries rewritten)",
    });
  });
});
