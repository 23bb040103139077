/**
 * The runnable examples (issue 8 item 5), each exercised as a user would run it:
 * - examples/osers-wait-time: its ops.yml validates; served (receivers pointed at a loopback pager
 *   and a real SMTP server), its sensor script — a separate Node process importing "hms-ops" —
 *   pushes the Monday surge and the legal SLA fires: page and [COMPLIANCE SIREN] email.
 * - examples/irs-login: its SDK script registers the probe and attaches the run-book against a
 *   running server; a slow login makes the run-book run the seed's two commands.
 */
import { spawnSync } from "node:child_process";
import { chmod, cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../src/app/index.js";
import { silentLogger } from "../src/core/log.js";
import { readMail } from "../src/sirens/receivers/email/mime.case.js";
import { startSmtpServer } from "../src/sirens/receivers/email/smtp.case.js";
import { api, BIN, runNode, startApp, TOKENS, TOKENS_YAML, tempDir, waitFor } from "./helpers.js";
import { startReceiver, startTarget } from "./servers.js";

const OSERS = resolve("examples/osers-wait-time");
const IRS = resolve("examples/irs-login");
const ENV_TOKENS = { HMS_OPS_TOKEN: TOKENS.admin, HMS_OPS_INGEST_TOKEN: TOKENS.sensor };

/** Runs a Node script to its end (bounded), as a user would from a shell. */
const node = (script: string, env: Record<string, string>) =>
  runNode([script], { PATH: process.env.PATH ?? "", ...env }, 15_000);

type Closer = { close(): Promise<void> } | { stop(): Promise<void> };

describe("examples", () => {
  const closers: Closer[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await ("close" in c ? c.close() : c.stop());
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("osers-wait-time: ops.yml validates, and says which variable is missing when a token is not set", () => {
    const ok = spawnSync(process.execPath, [BIN, "validate", join(OSERS, "ops.yml")], {
      encoding: "utf8",
      env: { ...process.env, ...ENV_TOKENS },
    });
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    const env: NodeJS.ProcessEnv = { ...process.env, HMS_OPS_TOKEN: TOKENS.admin };
    delete env.HMS_OPS_INGEST_TOKEN;
    const missing = spawnSync(process.execPath, [BIN, "validate", join(OSERS, "ops.yml")], {
      encoding: "utf8",
      env,
    });
    expect(missing.status).toBe(1);
    expect(missing.stdout + missing.stderr).toContain("HMS_OPS_INGEST_TOKEN");
  });

  it("osers-wait-time: the sensor script pushes the surge and the legal SLA fires: page and counsel email", async () => {
    const pager = await startReceiver();
    const smtp = await startSmtpServer({ noStartTls: true });
    closers.push(pager, smtp);
    // The example as shipped, with its two receivers pointed at this test's servers.
    const tmp = await tempDir();
    cleanups.push(tmp.cleanup);
    await cp(OSERS, tmp.dir, { recursive: true });
    const configFile = join(tmp.dir, "ops.yml");
    const shipped = await readFile(configFile, "utf8");
    expect(shipped).toContain("http://127.0.0.1:9200/pager");
    expect(shipped).toContain("smtp://127.0.0.1:2525");
    await writeFile(
      configFile,
      shipped
        .replace("http://127.0.0.1:9200/pager", `${pager.url}/pager`)
        .replace("smtp://127.0.0.1:2525", `smtp://127.0.0.1:${smtp.port}`),
    );
    const app: App = await createApp({
      configFile,
      env: ENV_TOKENS,
      logger: silentLogger(),
      watch: false,
      listen: { host: "127.0.0.1", port: 0 },
    });
    closers.push(app);
    const url = await app.listen();

    const sensor = await node(join(OSERS, "sensor.mjs"), {
      HMS_OPS_URL: url,
      HMS_OPS_TOKEN: TOKENS.sensor,
      SENSOR_INTERVAL_MS: "20",
      SENSOR_COUNT: "8",
    });
    expect(sensor.err).toBe("");
    expect(sensor.code).toBe(0);
    expect(sensor.out.split("\n").filter((l) => l.endsWith("accepted"))).toHaveLength(8);
    expect(sensor.out).toContain("wait 145 s → accepted");

    const alert = await waitFor(async () => {
      const r = await api(url, "/api/v1/alerts", { token: TOKENS.admin });
      const alerts = (r.body as { alerts: { slo: string; state: string; severity: string }[] }).alerts;
      return alerts.find((a) => a.slo === "sla_wait_time" && a.state === "firing");
    }, "the legal SLA to fire");
    expect(alert.severity).toBe("legal");
    const page = await waitFor(() => pager.received[0], "the page");
    expect(page.body).toMatchObject({ status: "firing", slo: "sla_wait_time", severity: "legal" });
    const mail = readMail((await waitFor(() => smtp.deliveries[0], "counsel's email", 10_000)).raw);
    expect(mail.subject.startsWith("[COMPLIANCE SIREN]")).toBe(true);
    expect(mail.text).toContain("Answer disability-benefit calls in under 60 seconds");
  });

  it("irs-login: the SDK script registers and attaches; a slow login runs the seed's run-book", async () => {
    const target = await startTarget();
    closers.push(target);
    target.delayMs = 300;
    const srv = await startApp(`server:\n  data: ./data\n${TOKENS_YAML}`);
    closers.push(srv);
    // The run-book's steps are the seed's `aws ...` commands: a stand-in `aws` on PATH records them.
    const bin = join(srv.dir, "bin");
    const calls = join(srv.dir, "aws-calls");
    await mkdir(bin);
    await writeFile(join(bin, "aws"), `#!/bin/sh\necho "$*" >> '${calls}'\n`);
    await chmod(join(bin, "aws"), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path ?? ""}`;
    cleanups.push(() => {
      process.env.PATH = path;
    });

    const env = {
      HMS_OPS_URL: srv.url,
      HMS_OPS_TOKEN: TOKENS.admin,
      IRS_LOGIN_URL: `${target.url}/login`,
      PROBE_INTERVAL: "500ms",
      WHEN: "latency > 250ms for 1s",
    };
    const first = await node(join(IRS, "register.mjs"), env);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.out).toContain(`registered probe IRS_Login_Latency → ${target.url}/login`);
    expect(first.out).toContain(
      "attached Add_Login_Cache_Node to IRS_Login_Latency when latency > 250ms for 1s",
    );
    expect(first.out).toContain(`Open in browser: ${srv.url}/`);

    const run = await waitFor(
      async () => {
        const r = await api(srv.url, "/api/v1/runbook-runs?runbook=Add_Login_Cache_Node", {
          token: TOKENS.admin,
        });
        return (r.body as { runs: { id: string; state: string }[] }).runs.find(
          (x) => x.state === "succeeded",
        );
      },
      "the run-book to succeed",
      15_000,
    );
    expect(run.id).toMatch(/^RUN-/);
    expect((await readFile(calls, "utf8")).split("\n")).toEqual([
      "rds failover --cluster login-db",
      "elasticache scale-out --cluster login-cache",
      "",
    ]);

    // Running it again is harmless: the probe stays, the attachment is replaced.
    const again = await node(join(IRS, "register.mjs"), env);
    expect(again.code).toBe(0);
    expect(again.out).toContain("probe IRS_Login_Latency is already registered; keeping it");
  });
});
