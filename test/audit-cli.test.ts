/** `hms-ops audit export | verify | public-key` as an auditor runs them: real processes, real files. */
import { spawnSync } from "node:child_process";
import { chmod, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { auditedRun, BIN, serverYaml, tempDir } from "./helpers.js";

const run = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 20_000 });

describe("hms-ops audit export and verify", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  /** A data dir with a few entries, closed with a shutdown checkpoint. */
  async function trail() {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const config = join(dir, "ops.yml");
    await writeFile(config, serverYaml());
    await auditedRun(config, ["a", "b", "c", "d", "e"]);
    const data = join(dir, "data");
    return { dir, config, data, pub: join(data, "audit-signing.pub.pem") };
  }

  it("exports JSONL that verifies offline; an edited line, dropped entries and a forged signature fail", async () => {
    const t = await trail();
    const key = run(["audit", "public-key", "--data", t.data]);
    expect(key.status).toBe(0);
    expect(key.stdout).toBe(await readFile(t.pub, "utf8"));
    expect(key.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);

    const file = join(t.dir, "export.jsonl");
    const exp = run(["audit", "export", "-c", t.config, "--from", "2000-01-01", "-o", file]);
    expect(exp.stderr).toMatch(
      /^exported 6 entries \(seq 1–6\) and \d+ checkpoints to .*export\.jsonl; key [0-9a-f]{64}\n$/,
    );
    expect(exp.status).toBe(0);
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      export: { format: "hms-ops-audit-export/1", first_seq: 1 },
    });
    expect(JSON.parse(lines.at(-1) ?? "")).toMatchObject({ checkpoint: { seq: 6 } });

    const ok = run(["audit", "verify", "--file", file, "--public-key", t.pub]);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(
      /^audit export ok: 6 entries \(seq 1–6\), \d+ checkpoints, last #\d+ signs seq 6 at /,
    );
    expect(ok.stdout).toMatch(/pinned with --public-key/);

    const variant = async (name: string, edit: (lines: string[]) => string[]) => {
      const f = join(t.dir, name);
      await writeFile(f, `${edit([...lines]).join("\n")}\n`);
      return run(["audit", "verify", "--file", f, "--public-key", t.pub]);
    };
    const seq3 = lines.findIndex((l) => JSON.parse(l).seq === 3);
    const edited = await variant("edited.jsonl", (l) => {
      l[seq3] = (l[seq3] ?? "").replace(/"actor":"[^"]*"/, '"actor":"mallory"');
      return l;
    });
    expect(edited.status).toBe(1);
    expect(edited.stderr).toMatch(
      new RegExp(`^audit export TAMPERED: line ${seq3 + 1}: seq 3: hash mismatch \\(line edited\\)`),
    );

    // The last entries gone: whatever checkpoint lines remain no longer follow the entry they sign.
    const entryLines = lines.map((l, i) => ("seq" in JSON.parse(l) ? i : -1)).filter((i) => i >= 0);
    const dropped = await variant("dropped.jsonl", (l) =>
      l.filter((_, i) => !entryLines.slice(-2).includes(i)),
    );
    expect(dropped.status).toBe(1);
    expect(dropped.stderr).toMatch(
      /^audit export TAMPERED: line \d+: checkpoint \d+ signs head seq 6 but the entry before it is seq 4: entries 5–6 missing before it/,
    );
    const cut = await variant("cut.jsonl", (l) => l.slice(0, entryLines.at(-2)));
    expect(cut.status).toBe(1);
    expect(cut.stderr).toMatch(/entries \d+–4 are not covered by a signed checkpoint/);

    const forged = await variant("forged.jsonl", (l) => {
      const last = JSON.parse(l.at(-1) ?? "");
      const sig = Buffer.from(last.checkpoint.signature, "base64");
      sig[0] = (sig[0] ?? 0) ^ 1;
      l[l.length - 1] = JSON.stringify({
        checkpoint: { ...last.checkpoint, signature: sig.toString("base64") },
      });
      return l;
    });
    expect(forged.status).toBe(1);
    expect(forged.stderr).toMatch(
      /line \d+: checkpoint \d+: signature does not verify \(checkpoint forged or altered\)/,
    );
  });

  it("verifies the live data dir's checkpoints: a truncated tail with a rewound head fails", async () => {
    const t = await trail();
    const ok = run(["audit", "verify", "--data", t.data]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(
      /^audit trail ok: 6 entries, head seq 6 [0-9a-f]{64}\ncheckpoints ok: \d+ signed, last #\d+ signs seq 6 at /,
    );

    const db = new Database(join(t.data, "ops.db"));
    db.exec("DROP TRIGGER audit_entries_no_delete");
    db.prepare("DELETE FROM audit_entries WHERE seq > 4").run();
    db.prepare("UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_entries WHERE seq = 4)").run();
    db.close();
    const bad = run(["audit", "verify", "--data", t.data]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(
      /^audit trail TAMPERED: checkpoint \d+: signed head seq 6 but the trail ends at seq 4 \(tail truncated\)/,
    );
    // Removing or emptying the public key does not make the checkpoints go unchecked.
    await rm(t.pub);
    const noKey = run(["audit", "verify", "--data", t.data]);
    expect(noKey.status).toBe(1);
    expect(noKey.stderr).toMatch(/TAMPERED: checkpoints are stored but there is no public key to check them/);
    await writeFile(t.pub, "");
    expect(run(["audit", "verify", "--data", t.data]).stderr).toMatch(/is not a PEM public key/);
  });

  it("serve refuses a private key readable by others, naming the file and the fix", async () => {
    const t = await trail();
    const keyFile = join(t.data, "audit-signing.key");
    await chmod(keyFile, 0o644);
    const r = spawnSync(process.execPath, [BIN, "serve", "-c", t.config, "--listen", "127.0.0.1:0"], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`audit signing key ${keyFile} has mode 0644`);
    expect(r.stderr).toContain(`chmod 600 ${keyFile}`);
  });
});
