import path from "node:path";
import { describe, expect, it } from "vitest";
import { unitScope } from "../../test/helpers.js";
import { FakeClock } from "../core/clock.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { entryHash } from "./chain.js";
import {
  type AuditKeys,
  auditMigrations,
  checkpointMaterial,
  createAuditLog,
  loadOrCreateSigningKeys,
  verifyAuditExport,
  writeAuditExport,
} from "./index.js";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const scope = unitScope("hms-ops-export-");
const tempDir = scope.tempDir;

/** 30 entries one minute apart, a checkpoint after every 10th. */
async function trail() {
  const dir = tempDir();
  const store = await openSqliteStore({ file: path.join(dir, "ops.db") });
  scope.track(store);
  await store.migrate(auditMigrations);
  const clock = new FakeClock(T0);
  const keys = loadOrCreateSigningKeys(dir);
  const audit = createAuditLog(store, clock, { keys });
  for (let i = 1; i <= 30; i++) {
    await store.tx((tx) =>
      audit.append(tx, {
        actor: "admin",
        action: "probe.update",
        subject: `probe:p${i}`,
        data: { i, big: 1e21 },
      }),
    );
    if (i % 10 === 0) await audit.checkpoint();
    clock.advance(60_000);
  }
  const exportText = async (range: { from?: number; to?: number } = {}, k: AuditKeys = keys) => {
    let text = "";
    const summary = await writeAuditExport({
      store,
      clock,
      keys: k,
      ...range,
      write: async (t) => {
        text += t;
      },
    });
    return { text, summary };
  };
  return { store, clock, keys, audit, exportText };
}

async function* linesOf(text: string): AsyncIterable<string> {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  yield* lines;
}

const verify = (text: string, publicKey?: AuditKeys) =>
  verifyAuditExport(linesOf(text), publicKey ? { publicKey } : {});

describe("audit export", () => {
  it("writes the header, every stored field of each entry, and each checkpoint after the entry it signs", async () => {
    const { exportText, keys, store } = await trail();
    const { text, summary } = await exportText();
    const lines = text.trimEnd().split("\n");
    expect(summary).toEqual({ entries: 30, checkpoints: 3, firstSeq: 1, lastSeq: 30, beyondTo: 0 });
    expect(lines).toHaveLength(1 + 30 + 3);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      export: {
        format: "hms-ops-audit-export/1",
        from: null,
        to: null,
        exported: new Date(T0 + 30 * 60_000).toISOString(),
        first_seq: 1,
        last_seq: 30,
        key: keys.keyId,
        public_key: keys.publicKeyPem,
      },
    });
    const stored = await store.get<Record<string, unknown>>(
      "SELECT seq, ts, actor, action, subject, data, prev, hash FROM audit_entries WHERE seq = 1",
    );
    expect(lines[1]).toBe(JSON.stringify(stored));
    expect(JSON.parse(lines[1] ?? "").data).toBe('{"i":1,"big":1e+21}');
    expect(Object.keys(JSON.parse(lines[11] ?? ""))).toEqual(["checkpoint"]);
    expect(JSON.parse(lines[11] ?? "").checkpoint).toMatchObject({ n: 1, seq: 10 });
    expect(JSON.parse(lines[10] ?? "").seq).toBe(10);
  });

  it("a good export verifies, with its own key or a pinned one", async () => {
    const { exportText, keys } = await trail();
    const { text } = await exportText();
    const pub = { ...keys, sign: undefined };
    for (const result of [await verify(text), await verify(text, pub)]) {
      expect(result).toMatchObject({
        ok: true,
        entries: 30,
        checkpoints: 3,
        firstSeq: 1,
        lastSeq: 30,
        key: keys.keyId,
        last: { n: 3, seq: 30 },
      });
    }
    expect((await verify(text)).pinned).toBe(false);
    expect((await verify(text, pub)).pinned).toBe(true);
  });

  it("a range runs on to the next checkpoint, and signs one when the end has none yet", async () => {
    const { exportText, audit, store, keys } = await trail();
    const part = await exportText({ from: T0 + 12 * 60_000, to: T0 + 14 * 60_000 });
    expect(part.summary).toMatchObject({
      firstSeq: 13,
      lastSeq: 20,
      entries: 8,
      checkpoints: 1,
      beyondTo: 5,
    });
    expect(await verify(part.text)).toMatchObject({ ok: true, entries: 8, checkpoints: 1 });
    // Starts right after a checkpoint: that checkpoint anchors the first entry's prev.
    const anchored = await exportText({ from: T0 + 10 * 60_000, to: T0 + 19 * 60_000 });
    expect(anchored.summary).toMatchObject({ firstSeq: 11, lastSeq: 20, checkpoints: 2, beyondTo: 0 });
    expect(anchored.text.split("\n")[1]).toMatch(/^\{"checkpoint":\{"n":1,"seq":10,/);
    expect(await verify(anchored.text)).toMatchObject({ ok: true, checkpoints: 2 });
    expect(await audit.checkpoints()).toHaveLength(3);
    // Entries after the newest checkpoint: the export signs the head first.
    await store.tx((tx) => audit.append(tx, { actor: "a", action: "x.y", subject: "s" }));
    const all = await exportText();
    expect(all.summary).toMatchObject({ lastSeq: 31, checkpoints: 4, signed: { n: 4, seq: 31 } });
    expect(await verify(all.text)).toMatchObject({ ok: true, entries: 31, last: { n: 4, seq: 31 } });
    expect(await audit.checkpoints()).toHaveLength(4);
    // Without the private key it cannot, and says so.
    await store.tx((tx) => audit.append(tx, { actor: "a", action: "x.y", subject: "s" }));
    await expect(exportText({}, { ...keys, sign: undefined })).rejects.toMatchObject({
      code: "audit_key_unusable",
      message: expect.stringMatching(/^entries up to seq 32 are not covered by a signed checkpoint yet/),
    });
    const empty = await exportText({ from: T0 + 99 * HOUR });
    expect(empty.summary).toMatchObject({ entries: 0, firstSeq: 0 });
    expect(await verify(empty.text)).toMatchObject({ ok: true, entries: 0 });
  });

  it("an edited line fails, naming the line and the entry", async () => {
    const { exportText } = await trail();
    const { text } = await exportText();
    const lines = text.split("\n");
    lines[8] = (lines[8] ?? "").replace('"actor":"admin"', '"actor":"mallory"'); // seq 8
    expect((await verify(lines.join("\n"))).firstBad).toEqual({
      line: 9,
      reason: "seq 8: hash mismatch (line edited)",
    });
  });

  it("dropping the last entries fails: the closing checkpoint no longer follows the entry it signs", async () => {
    const { exportText } = await trail();
    const { text } = await exportText();
    const lines = text.trimEnd().split("\n");
    const dropped = [...lines.slice(0, -4), ...lines.slice(-1)]; // seq 28–30 gone, checkpoint kept
    expect(await verify(`${dropped.join("\n")}\n`)).toMatchObject({
      ok: false,
      entries: 27,
      firstBad: {
        line: 31,
        reason:
          "checkpoint 3 signs head seq 30 but the entry before it is seq 27: entries 28–30 missing before it (entry lines dropped)",
      },
    });
    // Cut right after an earlier checkpoint: a valid shorter export, but not the one the header describes.
    const atCheckpoint = lines.slice(0, 23);
    expect((await verify(atCheckpoint.join("\n"))).firstBad).toEqual({
      line: 23,
      reason:
        "the export ends at seq 20 but its header says 30 (lines dropped from the end, or the header edited)",
    });
    const cut = lines.slice(0, -3); // the file's tail: seq 29–30 and the checkpoint
    expect((await verify(cut.join("\n"))).firstBad).toEqual({
      line: 31,
      reason:
        "entries 21–28 are not covered by a signed checkpoint: the export's last lines (its closing checkpoint) were dropped, or entries added",
    });
  });

  it("an edited entry whose hash and the following links were recomputed fails at the checkpoint", async () => {
    const { exportText } = await trail();
    const { text } = await exportText();
    const lines = text.trimEnd().split("\n");
    let prev = JSON.parse(lines[4] ?? "").hash as string; // seq 4
    for (let i = 5; i <= 10; i++) {
      const e = JSON.parse(lines[i] ?? "");
      if (i === 5) e.actor = "mallory";
      e.prev = prev;
      e.hash = entryHash(e);
      prev = e.hash;
      lines[i] = JSON.stringify(e);
    }
    expect((await verify(lines.join("\n"))).firstBad).toEqual({
      line: 12,
      reason:
        "checkpoint 1: the signed hash of seq 10 differs from line 11 (entries rewritten and re-hashed)",
    });
  });

  it("a forged checkpoint signature fails, and so does one re-signed with another key when the key is pinned", async () => {
    const { exportText, keys } = await trail();
    const { text } = await exportText();
    const lines = text.trimEnd().split("\n");
    const cp = JSON.parse(lines[22] ?? "").checkpoint; // checkpoint 2
    const flipped = [...lines];
    flipped[22] = JSON.stringify({ checkpoint: { ...cp, ts: cp.ts + 1 } });
    expect((await verify(flipped.join("\n"))).firstBad).toEqual({
      line: 23,
      reason: "checkpoint 2: signature does not verify (checkpoint forged or altered)",
    });
    // A tamperer with their own key re-signs everything and swaps the header's key: only a pinned key tells.
    const mallory = loadOrCreateSigningKeys(tempDir());
    const resigned = lines.map((l, i) => {
      const v = JSON.parse(l);
      if (i === 0)
        return JSON.stringify({
          export: { ...v.export, key: mallory.keyId, public_key: mallory.publicKeyPem },
        });
      if (!v.checkpoint) return l;
      const c = { ...v.checkpoint, key: mallory.keyId };
      return JSON.stringify({ checkpoint: { ...c, signature: mallory.sign?.(checkpointMaterial(c)) } });
    });
    expect(await verify(resigned.join("\n"))).toMatchObject({ ok: true, key: mallory.keyId, pinned: false });
    expect((await verify(resigned.join("\n"), keys)).firstBad?.reason).toMatch(
      /^checkpoint 1: signed by key [0-9a-f]{16}, not the trusted key [0-9a-f]{16}/,
    );
  });

  it("names deleted or reordered lines, junk, and files that are no export", async () => {
    const { exportText } = await trail();
    const { text } = await exportText();
    const lines = text.trimEnd().split("\n");
    const without = (i: number) => lines.filter((_, j) => j !== i).join("\n");
    expect((await verify(without(5))).firstBad).toEqual({
      line: 6,
      reason: "seq 6 follows seq 4: entry 5 missing (lines deleted)",
    });
    expect((await verify(without(1))).firstBad).toEqual({
      line: 2,
      reason: "first entry is seq 2 but the header says 1 (entry lines dropped or added)",
    });
    expect((await verify(without(22))).firstBad).toEqual({
      line: 33,
      reason: "checkpoint 3 follows checkpoint 1 (checkpoint lines removed or reordered)",
    });
    const swapped = [...lines];
    [swapped[3], swapped[4]] = [swapped[4] ?? "", swapped[3] ?? ""];
    expect((await verify(swapped.join("\n"))).firstBad).toEqual({
      line: 4,
      reason: "seq 4 follows seq 2: entry 3 missing (lines deleted)",
    });
    const junk = [...lines];
    junk[7] = "{oops";
    expect((await verify(junk.join("\n"))).firstBad).toEqual({ line: 8, reason: "not JSON (line edited)" });
    const extra = [...lines];
    extra[7] = JSON.stringify({ ...JSON.parse(extra[7] ?? ""), note: "x" });
    expect((await verify(extra.join("\n"))).firstBad?.reason).toBe(
      'malformed entry: unexpected field "note" (line edited)',
    );
    expect((await verify(lines.slice(1).join("\n"))).firstBad).toEqual({
      line: 1,
      reason: "not an HMS-OPS audit export (the first line must be the hms-ops-audit-export/1 header)",
    });
    expect((await verify("")).firstBad).toEqual({
      line: 1,
      reason: "empty file (not an HMS-OPS audit export)",
    });
  });
});
