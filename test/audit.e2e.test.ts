/** Evidence-grade audit in the running app: keys, checkpoints on the app clock, and the audit_ok alert. */
import { chmod, readFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app/index.js";
import { FakeClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/log.js";
import { api, closeOnce, read, startApp, TOKENS, TOKENS_YAML, testScope, waitFor } from "./helpers.js";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 2, 1);

describe("audit checkpoints in the app", () => {
  const scope = testScope();

  async function boot(dir: string, clock: FakeClock) {
    const { app, url } = await startApp(
      `server:
  data: ./data
${TOKENS_YAML}slos:
  - { name: audit-trail-intact, when: "audit_ok == 0", severity: page }
`,
      { dir, clock },
    );
    const close = closeOnce(app);
    scope.track({ close });
    const get = <T>(path: string) => read<T>(url, path);
    return { app, url, close, get };
  }

  it("signs at start and every idle hour, serves the public key, and a tampered trail fires the audit_ok SLO", async () => {
    const dir = await scope.tempDir();
    const clock = new FakeClock(T0);
    const s = await boot(dir, clock);

    clock.advance(0);
    await waitFor(async () => (await s.app.audit.checkpoints()).length === 1, "the start checkpoint");
    clock.advance(HOUR);
    await waitFor(async () => (await s.app.audit.checkpoints()).length === 2, "the idle-hour checkpoint");
    expect((await s.app.audit.checkpoints()).map((c) => c.ts)).toEqual([T0, T0 + HOUR]);

    const pem = await readFile(join(dir, "data", "audit-signing.pub.pem"), "utf8");
    const key = await s.get<{ algorithm: string; key: string; pem: string }>("/api/v1/audit/public-key");
    expect(key).toMatchObject({ algorithm: "Ed25519", pem });
    const raw = await api(s.url, "/api/v1/audit/public-key?format=pem", { token: TOKENS.reader });
    expect(raw.text).toBe(pem);
    expect(raw.headers.get("content-type")).toMatch(/^application\/x-pem-file/);
    expect(await s.get("/api/v1/audit/verify")).toMatchObject({
      ok: true,
      checkpoints: {
        ok: true,
        count: 2,
        key: key.key,
        last: { n: 2, time: new Date(T0 + HOUR).toISOString() },
      },
    });
    const listed = await s.get<{ checkpoints: { n: number; time: string }[]; next: number | null }>(
      "/api/v1/audit/checkpoints?limit=1",
    );
    expect(listed).toEqual({
      checkpoints: [expect.objectContaining({ n: 1, key: key.key, time: new Date(T0).toISOString() })],
      next: 1,
    });
    expect(
      (await s.get<{ checkpoints: unknown[] }>("/api/v1/audit/checkpoints?after=1")).checkpoints,
    ).toEqual([expect.objectContaining({ n: 2 })]);
    // While the trail verifies there is no audit_ok series, so no alert at all.
    expect((await s.get<{ alerts: { slo: string; state: string }[] }>("/api/v1/alerts")).alerts).toEqual([]);

    // A tamperer edits the trail while the server runs; the next hourly verification notices.
    const db = new Database(join(dir, "data", "ops.db"));
    db.exec("DROP TRIGGER audit_entries_no_update");
    db.prepare("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 1").run();
    db.close();
    clock.advance(HOUR);
    await waitFor(async () => {
      const alerts = (await s.get<{ alerts: { slo: string; state: string }[] }>("/api/v1/alerts")).alerts;
      return (
        alerts.find((a) => a.slo === "audit-trail-intact")?.state === "firing" &&
        alerts.find((a) => a.slo === "audit_trail_intact")?.state === "firing"
      );
    }, "the audit_ok SLOs (the user's and the built-in) to fire");
    expect((await s.app.audit.checkpoints()).length).toBe(2);
    expect(await s.get("/api/v1/audit/verify")).toMatchObject({
      ok: false,
      firstBad: { seq: 1, reason: "seq 1: hash mismatch (row edited)" },
    });
  });

  it("refuses to start when the private key is readable by group or others", async () => {
    const dir = await scope.tempDir();
    const first = await boot(dir, new FakeClock(T0));
    await first.close();
    const keyFile = join(dir, "data", "audit-signing.key");
    await chmod(keyFile, 0o644);
    await expect(
      createApp({ configFile: join(dir, "ops.yml"), logger: silentLogger(), watch: false }),
    ).rejects.toMatchObject({
      code: "audit_key_unusable",
      message: `audit signing key ${keyFile} has mode 0644, readable or writable by group or others; refusing to use it (fix: chmod 600 ${keyFile})`,
    });
    await chmod(keyFile, 0o600);
    const again = await boot(dir, new FakeClock(T0 + HOUR));
    // The shutdown checkpoint of the first run is there and verifies under the same key.
    expect(await again.get("/api/v1/audit/verify")).toMatchObject({ ok: true, checkpoints: { ok: true } });
  });
});
