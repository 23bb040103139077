/** Hot reload through the running app: edits on disk and SIGHUP-style reloads, good and bad. */
import { readFile, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { api, type Running, serverYaml, TOKENS, testScope, waitFor } from "./helpers.js";

const probe = (name: string) => `  - { name: ${name}, type: tcp, target: "127.0.0.1:5432" }\n`;
const withProbes = (...names: string[]) => serverYaml(`probes:\n${names.map(probe).join("")}`);

const probeNames = async (srv: Running) => {
  const res = await api(srv.url, "/api/v1/probes", { token: TOKENS.admin });
  return (res.body as { probes: { name: string }[] }).probes.map((p) => p.name);
};

const auditOf = async (srv: Running, action: string) => {
  const res = await api(srv.url, `/api/v1/audit?action=${action}`, { token: TOKENS.admin });
  return (res.body as { entries: { actor: string; data: { changes: { path: string; op: string }[] } }[] })
    .entries;
};

describe("config hot reload", () => {
  const scope = testScope();

  it("applies a valid edit on disk without restart and audits the diff", async () => {
    const running = await scope.start(withProbes("db-a"), { watch: true });
    expect(await probeNames(running)).toEqual(["db-a"]);
    await writeFile(running.configFile, withProbes("db-a", "db-b"));
    await waitFor(async () => (await probeNames(running)).includes("db-b"), "db-b to appear");
    const [entry] = await auditOf(running, "config.reload");
    expect(entry?.actor).toBe("config");
    expect(entry?.data.changes).toEqual([expect.objectContaining({ path: "probes[db-b]", op: "added" })]);
  });

  it("rejects an invalid edit and keeps the running config", async () => {
    const srv = await scope.start(withProbes("db-a"), { watch: false });
    await writeFile(
      srv.configFile,
      `${withProbes("db-a", "db-b")}  - { name: broken, type: tcp, intervl: 5s }\n`,
    );
    expect(await srv.app.reload()).toBe("rejected");
    expect(await probeNames(srv)).toEqual(["db-a"]);
    expect(await auditOf(srv, "config.reload")).toEqual([]);
    expect(srv.app.metrics.configReloads.get).toBeDefined();
    const metrics = await api(srv.url, "/metrics", { token: TOKENS.admin });
    expect(metrics.text).toMatch(/^hms_ops_config_reloads_total\{result="rejected"\} 1$/m);
  });

  it("reload() (what SIGHUP calls) applies a fixed file; an unchanged file is not re-applied", async () => {
    const srv = await scope.start(withProbes("db-a"), { watch: false });
    expect(await srv.app.reload()).toBe("unchanged");
    await writeFile(srv.configFile, withProbes("db-a", "db-c"));
    expect(await srv.app.reload()).toBe("applied");
    expect(await probeNames(srv)).toEqual(["db-a", "db-c"]);
  });

  it("new tokens take effect on reload; removed ones stop working", async () => {
    const srv = await scope.start(withProbes("db-a"), { watch: false });
    const text = await readFile(srv.configFile, "utf8");
    await writeFile(
      srv.configFile,
      text.replace(
        `{ name: reader, scopes: [read], secret: "${TOKENS.reader}" }`,
        `{ name: reader2, scopes: [read], secret: "rotated-reader-secret-000" }`,
      ),
    );
    expect(await srv.app.reload()).toBe("applied");
    expect((await api(srv.url, "/api/v1/probes", { token: TOKENS.reader })).status).toBe(401);
    expect((await api(srv.url, "/api/v1/probes", { token: "rotated-reader-secret-000" })).status).toBe(200);
    const [entry] = await auditOf(srv, "config.reload");
    expect(JSON.stringify(entry)).not.toContain("rotated-reader-secret-000");
  });

  it("an edit made while stopped is audited at the next start", async () => {
    const dir = await scope.tempDir();
    const first = await scope.start(withProbes("db-a"), { dir });
    await first.app.close();
    await writeFile(first.configFile, withProbes("db-a", "db-offline"));
    const again = await scope.start(withProbes("db-a", "db-offline"), { dir });
    const [entry] = await auditOf(again, "config.changed_offline");
    expect(entry?.data.changes).toEqual([
      expect.objectContaining({ path: "probes[db-offline]", op: "added" }),
    ]);
  });
});
