/** The `hms-ops` binary as a user runs it: real processes, real files, real signals. */
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { api, auditedRun, BIN, serveBin, serverYaml, TOKENS, tempDir, waitFor } from "./helpers.js";

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 20_000,
  });

describe("hms-ops CLI", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it("--help lists the commands", () => {
    const r = run(["--help"]);
    expect(r.status).toBe(0);
    for (const cmd of ["serve", "validate", "schema", "audit"]) expect(r.stdout).toContain(cmd);
  });

  it("validate: exit 0 on a good file, exit 1 with file:line:col on a bad one", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const good = join(dir, "good.yml");
    const bad = join(dir, "bad.yml");
    await writeFile(good, "probes:\n  - { name: db, type: tcp, target: 127.0.0.1:5432 }\n");
    await writeFile(
      bad,
      "probes:\n  - { name: db, type: tcp, target: 127.0.0.1:5432, intervl: 5s }\n  - name: db2\n    type: push\n    period: 5m\n",
    );
    const ok = run(["validate", good]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("ok (1 probes");
    const fail = run(["validate", bad]);
    expect(fail.status).toBe(1);
    expect(fail.stderr).toMatch(/bad\.yml:2:\d+: probes\[0\]/);
    expect(fail.stderr).toMatch(/intervl/);
    expect(fail.stderr).toMatch(/bad\.yml:5:\d+: probes\[1\]\.period: /);
  });

  it("test rules: exit 0 when the expected alerts fire, 1 naming what differs, 2 for a malformed file", () => {
    const pass = run(["test", "rules", "testdata/rule-tests/passing.test.yml"]);
    expect(pass.stderr).toBe("");
    expect(pass.status).toBe(0);
    expect(pass.stdout).toContain("PASS slow logins page after the 3-minute hold, and stop when fast again");
    expect(pass.stdout).toContain("2 tests, 0 failed");
    const fail = run(["test", "rules", "testdata/rule-tests/failing.test.yml"]);
    expect(fail.status).toBe(1);
    expect(fail.stdout).toContain("FAIL a brief spike does not page");
    expect(fail.stdout).toMatch(
      /at 2m irs-login-latency: expected firing but not: .*"probe":"irs-login".*\(firing now: none\)/,
    );
    const bad = run(["test", "rules", "testdata/rule-tests/malformed.test.yml"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('tests[0].alert_rule_test[1]: Unrecognized key: "eval_tme"');
  });

  it("schema prints a JSON Schema", () => {
    const r = run(["schema"]);
    expect(r.status).toBe(0);
    const schema = JSON.parse(r.stdout) as { $schema?: string; properties?: Record<string, unknown> };
    expect(schema.$schema).toMatch(/json-schema/);
    expect(Object.keys(schema.properties ?? {})).toEqual(
      expect.arrayContaining(["server", "probes", "slos", "sirens"]),
    );
  });

  it("serve refuses to listen beyond loopback without a token, and says why", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const file = join(dir, "ops.yml");
    await writeFile(file, "server:\n  data: ./data\n");
    const r = run(["serve", "-c", file, "--listen", "0.0.0.0:0"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refusing to listen on 0\.0\.0\.0.*no token is configured/);
  });

  it("serve: SIGHUP applies an edit, SIGTERM shuts down gracefully", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const file = join(dir, "ops.yml");
    await writeFile(file, serverYaml());
    const srv = await serveBin(file, { args: ["--no-watch"] });
    cleanups.push(async () => {
      srv.child.kill("SIGKILL");
    });
    expect((await api(srv.url, "/healthz")).status).toBe(200);
    await writeFile(file, serverYaml("probes:\n  - { name: added-by-hup, type: push }\n"));
    srv.child.kill("SIGHUP");
    await waitFor(async () => {
      const res = await api(srv.url, "/api/v1/probes", { token: TOKENS.admin });
      return JSON.stringify(res.body).includes("added-by-hup");
    }, "SIGHUP reload");
    srv.child.kill("SIGTERM");
    expect(await srv.exited).toBe(0);
    expect(srv.output()).toMatch(/SIGTERM: shutting down/);
  });

  it("audit verify: exit 0 when intact, exit 1 naming the first bad entry when a row is edited", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const file = join(dir, "ops.yml");
    await writeFile(file, serverYaml());
    await auditedRun(file, ["a", "b", "c"]);

    const ok = run(["audit", "verify", "--data", join(dir, "data")]);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/audit trail ok: 4 entries/);
    expect(run(["audit", "verify", "-c", file]).status).toBe(0);

    // A tamperer with the file can drop the append-only triggers first; the chain still tells.
    const db = new Database(join(dir, "data", "ops.db"));
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as {
      name: string;
    }[])
      db.exec(`DROP TRIGGER "${name}"`);
    db.prepare("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 3").run();
    db.close();
    const bad = run(["audit", "verify", "--data", join(dir, "data")]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/TAMPERED: seq 3/);
  });

  it("audit verify on a missing data dir says so instead of creating a database", async () => {
    const r = run(["audit", "verify", "--data", "/nonexistent/hms-ops"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no HMS-OPS database at \/nonexistent\/hms-ops\/ops\.db/);
  });
});
