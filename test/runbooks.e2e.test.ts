/**
 * Run-books end to end (issue 5 "Must show"), with real processes and a real HTTP target: an SLO
 * fires → a `run` and an `http` step run once; a re-fire inside the cooldown runs nothing; after
 * it, they run again. Approval gates, injection safety, and secrets nowhere in API, audit or data.
 */

import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { api, pushSamples, read, TOKENS, TOKENS_YAML, testScope, waitFor } from "./helpers.js";
import { startReceiver, startTarget } from "./servers.js";

interface RunView {
  id: string;
  state: string;
  trigger: string;
  triggeredBy: string;
  decidedBy: string | null;
  steps?: { kind: string; state: string; result: { stdout?: string; exitCode?: number | null } | null }[];
}

const STEP_SCRIPT = `import { appendFileSync } from "node:fs";
appendFileSync(process.env.OUT, JSON.stringify({
  run: process.env.HMS_OPS_RUN_ID, slo: process.env.HMS_OPS_SLO, region: process.env.HMS_OPS_LABEL_REGION,
  value: process.env.HMS_OPS_VALUE, argv: process.argv.slice(2), hasKey: process.env.API_KEY === "${"S3cr3t-value-9d8c7b6a"}"
}) + "\\n");
console.log("scaled out; key " + process.env.API_KEY);
`;
const SECRET = "S3cr3t-value-9d8c7b6a";
/** A run-book of one `run` step: the step script, writing to $OUT. */
const ONE_STEP = `steps:
  - run: node $SCRIPT
env: { OUT: "$OUT" }`;

async function lines(file: string): Promise<Record<string, unknown>[]> {
  if (!existsSync(file)) return [];
  return (await readFile(file, "utf8"))
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("run-books", () => {
  const scope = testScope();

  async function setup(runbook: string, extraSlo = "", logs?: string[]) {
    const dir = await scope.tempDir();
    const script = join(dir, "step.mjs");
    const out = join(dir, "out.jsonl");
    await writeFile(script, STEP_SCRIPT);
    const ci = await startReceiver();
    scope.track(ci);
    process.env.API_KEY = SECRET;
    const running = await scope.start(
      `server:
  data: ./data
${TOKENS_YAML}probes:
  - { name: queue, type: push }
slos:
  - { name: queue-deep, probe: queue, when: "value > 100", severity: page, runbook: scale${extraSlo} }
runbooks:
  scale:
${runbook
  .replaceAll("$SCRIPT", script)
  .replaceAll("$OUT", out)
  .replaceAll("$CI", ci.url)
  .split("\n")
  .map((l) => `    ${l}`)
  .join("\n")}
`,
      logs ? { logs } : {},
    );
    return { out, ci, running };
  }

  const push = (url: string, value: number, labels: Record<string, string> = {}) =>
    pushSamples(url, [{ probe: "queue", value, labels }]);
  const runs = async (url: string) => (await read<{ runs: RunView[] }>(url, "/api/v1/runbook-runs")).runs;

  it("runs both steps once per firing, not again inside the cooldown, and again after it", async () => {
    const { out, ci, running } = await setup(`steps:
  - run: node $SCRIPT first-arg
  - http: { method: POST, url: "$CI/api/scale", body: { workers: "+2" } }
cooldown: 1500ms
env: { OUT: "$OUT" }
secrets: [API_KEY]`);
    const url = running.url;
    await push(url, 500, { region: "east" });
    await waitFor(async () => (await runs(url))[0]?.state === "succeeded", "the first run");
    expect(await lines(out)).toEqual([
      expect.objectContaining({
        slo: "queue-deep",
        region: "east",
        value: "500",
        argv: ["first-arg"],
        hasKey: true,
      }),
    ]);
    expect(ci.received.map((r) => r.body)).toEqual([{ workers: "+2" }]);
    const firstAt = Date.now();

    await push(url, 10, { region: "east" });
    await push(url, 600, { region: "east" });
    await waitFor(async () => {
      const r = await api(url, "/api/v1/audit?action=runbook.run.refused", { token: TOKENS.reader });
      return (r.body as { entries: unknown[] }).entries.length === 1;
    }, "the refusal inside the cooldown");
    expect(await runs(url)).toHaveLength(1);

    await waitFor(() => Date.now() - firstAt > 1600, "the cooldown to pass", 5000);
    await push(url, 10, { region: "east" });
    await push(url, 700, { region: "east" });
    await waitFor(
      async () => (await runs(url)).filter((r) => r.state === "succeeded").length === 2,
      "the second run",
    );
    expect(await lines(out)).toHaveLength(2);
    expect(ci.received).toHaveLength(2);

    const [latest] = await runs(url);
    const detail = (await api(url, `/api/v1/runbook-runs/${latest?.id}`, { token: TOKENS.reader }))
      .body as RunView;
    expect(detail.steps?.map((s) => [s.kind, s.state])).toEqual([
      ["run", "succeeded"],
      ["http", "succeeded"],
    ]);
    expect(detail.steps?.[0]?.result?.stdout).toBe("scaled out; key [redacted]\n");
  });

  it("never executes a label value: it reaches the step as an env var only", async () => {
    const { out, running } = await setup(ONE_STEP);
    const pwned = join(running.dir, "pwned");
    const evil = `; touch ${pwned} && $(touch ${pwned}) \`touch ${pwned}\``;
    await push(running.url, 500, { region: evil });
    await waitFor(async () => (await runs(running.url))[0]?.state === "succeeded", "the run");
    expect((await lines(out))[0]?.region).toBe(evil);
    expect(existsSync(pwned)).toBe(false);
  });

  it("`wait: resolved` holds the next step until the alert resolves", async () => {
    const { out, running } = await setup(`steps:
  - wait: resolved
  - run: node $SCRIPT
env: { OUT: "$OUT" }`);
    await push(running.url, 500);
    await waitFor(async () => {
      const [run] = await runs(running.url);
      if (!run) return false;
      const detail = await read<RunView>(running.url, `/api/v1/runbook-runs/${run.id}`);
      return detail.state === "running" && detail.steps?.[0]?.state === "running";
    }, "the run waiting on its first step");
    expect(await lines(out)).toEqual([]);
    await push(running.url, 10);
    await waitFor(
      async () => (await runs(running.url))[0]?.state === "succeeded",
      "the run after the resolve",
    );
    expect(await lines(out)).toHaveLength(1);
  });

  it("waits for approval: approved runs with the approver's name, rejected and expired never run", async () => {
    const { out, running } = await setup(`steps:
  - run: node $SCRIPT
approval: true
env: { OUT: "$OUT" }`);
    const url = running.url;
    const manual = await api(url, "/api/v1/runbooks/scale/run", {
      method: "POST",
      token: TOKENS.operator,
      body: { reason: "drill" },
    });
    expect(manual.status).toBe(201);
    expect(manual.body).toMatchObject({
      state: "waiting_approval",
      trigger: "manual",
      triggeredBy: "operator",
    });
    const first = (manual.body as RunView).id;
    expect(await lines(out)).toEqual([]);

    const reader = await api(url, `/api/v1/runbook-runs/${first}/approve`, {
      method: "POST",
      token: TOKENS.reader,
    });
    expect(reader.status).toBe(403);
    const approved = await api(url, `/api/v1/runbook-runs/${first}/approve`, {
      method: "POST",
      token: TOKENS.operator,
    });
    expect(approved.body).toMatchObject({ decidedBy: "operator" });
    await waitFor(
      async () => (await runs(url)).find((r) => r.id === first)?.state === "succeeded",
      "the approved run",
    );
    expect(await lines(out)).toHaveLength(1);
    const again = await api(url, `/api/v1/runbook-runs/${first}/approve`, {
      method: "POST",
      token: TOKENS.operator,
    });
    expect(again.status).toBe(409);

    const second = (
      (await api(url, "/api/v1/runbooks/scale/run", { method: "POST", token: TOKENS.operator }))
        .body as RunView
    ).id;
    const rejected = await api(url, `/api/v1/runbook-runs/${second}/reject`, {
      method: "POST",
      token: TOKENS.admin,
      body: { comment: "not now" },
    });
    expect(rejected.body).toMatchObject({ state: "rejected", decidedBy: "admin" });
    expect(await lines(out)).toHaveLength(1);

    const audit = await api(url, "/api/v1/audit?action=runbook.approve", { token: TOKENS.reader });
    expect((audit.body as { entries: { actor: string }[] }).entries.map((e) => e.actor)).toEqual([
      "operator",
    ]);
    const missing = await api(url, "/api/v1/runbooks/nope/run", { method: "POST", token: TOKENS.operator });
    expect(missing.status).toBe(404);
  });

  it("expires an approval step nobody answered, and the steps after it never run", async () => {
    const { out, running } = await setup(`steps:
  - approval: { timeout: 300ms, message: "scale out?" }
  - run: node $SCRIPT
env: { OUT: "$OUT" }`);
    const run = (
      (await api(running.url, "/api/v1/runbooks/scale/run", { method: "POST", token: TOKENS.operator }))
        .body as RunView
    ).id;
    await waitFor(
      async () => (await runs(running.url)).find((r) => r.id === run)?.state === "expired",
      "the expiry",
    );
    expect(await lines(out)).toEqual([]);
    const late = await api(running.url, `/api/v1/runbook-runs/${run}/approve`, {
      method: "POST",
      token: TOKENS.operator,
    });
    expect(late.status).toBe(409);
  });

  it("registers a probe and attaches a run-book at run time (the seed SDK's flow), persisted and audited", async () => {
    const target = await startTarget();
    scope.track(target);
    target.delayMs = 0;
    const { out, running } = await setup(ONE_STEP);
    const url = running.url;
    const probe = await api(url, "/api/v1/probes", {
      method: "POST",
      token: TOKENS.admin,
      body: {
        name: "irs-login",
        type: "http",
        target: `${target.url}/login`,
        interval: "500ms",
        timeout: "400ms",
      },
    });
    expect(probe.body).toMatchObject({ name: "irs-login" });
    expect(probe.status).toBe(201);
    const bad = await api(url, "/api/v1/runbooks/attach", {
      method: "POST",
      token: TOKENS.admin,
      body: { probe: "irs-login", when: "latency >> 250ms", do: "scale" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: { details: [{ path: "when", message: expect.stringContaining("column") }] },
    });
    const unknown = await api(url, "/api/v1/runbooks/attach", {
      method: "POST",
      token: TOKENS.admin,
      body: { probe: "nope", when: "latency > 250ms", do: "scale" },
    });
    expect(unknown.status).toBe(404);
    const attached = await api(url, "/api/v1/runbooks/attach", {
      method: "POST",
      token: TOKENS.admin,
      body: {
        probe: "irs-login",
        when: "latency > 100ms",
        do: {
          name: "add-login-cache-node",
          steps: [`node ${join(running.dir, "..", "x")}`],
          cooldown: "15m",
        },
      },
    });
    expect(attached.status).toBe(201);
    expect(attached.body).toMatchObject({
      name: "irs-login.add-login-cache-node",
      runbook: "add-login-cache-node",
    });
    const list = await api(url, "/api/v1/runbooks", { token: TOKENS.reader });
    expect(list.body).toMatchObject({
      runbooks: expect.arrayContaining([
        expect.objectContaining({ name: "add-login-cache-node", source: "api" }),
      ]),
      attachments: [expect.objectContaining({ probe: "irs-login", condition: "latency > 100ms" })],
    });
    // Re-attach the configured run-book so the run is observable through the step script.
    await api(url, "/api/v1/runbooks/attach", {
      method: "POST",
      token: TOKENS.admin,
      body: {
        probe: "irs-login",
        when: "latency > 100ms",
        do: "scale",
        name: "irs-login.add-login-cache-node",
      },
    });
    target.delayMs = 300;
    await waitFor(
      async () => (await runs(url)).some((r) => r.state === "succeeded"),
      "the attached run",
      10_000,
    );
    expect((await lines(out))[0]).toMatchObject({ slo: "irs-login.add-login-cache-node" });
    const audit = await api(url, "/api/v1/audit?action=runbook.attach", { token: TOKENS.reader });
    expect((audit.body as { entries: { actor: string }[] }).entries.map((e) => e.actor)).toEqual([
      "admin",
      "admin",
    ]);
  });

  it("is muted by a silence like a notification: the alert fires, the run-book does not run, the audit says so", async () => {
    const { out, running } = await setup(ONE_STEP);
    const url = running.url;
    const silence = await api(url, "/api/v1/silences", {
      method: "POST",
      token: TOKENS.operator,
      body: { matchers: { slo: "queue-deep" }, duration: "1h", comment: "migration in progress" },
    });
    expect(silence.status).toBe(201);
    await push(url, 500);
    const suppressed = await waitFor(async () => {
      const r = await api(url, "/api/v1/audit?action=notification.suppressed", { token: TOKENS.reader });
      const entries = (r.body as { entries: { data: { notification: string } }[] }).entries;
      return entries.find((e) => e.data.notification === "runbook");
    }, "the suppressed run-book");
    expect(suppressed.data).toMatchObject({ notification: "runbook", mute: { kind: "silence" } });
    const alerts = await api(url, "/api/v1/alerts", { token: TOKENS.reader });
    expect((alerts.body as { alerts: { state: string }[] }).alerts[0]?.state).toBe("firing");
    expect(await runs(url)).toEqual([]);
    expect(await lines(out)).toEqual([]);
  });

  it("keeps secrets out of every API reply, the audit, the logs and the data directory", async () => {
    const logs: string[] = [];
    const { running } = await setup(
      `steps:
  - run: node $SCRIPT
  - http: { method: POST, url: "$CI/hook", headers: { authorization: "Bearer ${SECRET}" }, body: { ok: true } }
env: { OUT: "$OUT" }
secrets: [API_KEY]`,
      "",
      logs,
    );
    const url = running.url;
    await push(url, 500);
    await waitFor(async () => (await runs(url))[0]?.state === "succeeded", "the run");
    const id = (await runs(url))[0]?.id;
    for (const path of [
      "/api/v1/runbooks",
      "/api/v1/runbook-runs",
      `/api/v1/runbook-runs/${id}`,
      "/api/v1/audit?limit=1000",
    ]) {
      const res = await api(url, path, { token: TOKENS.admin });
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(SECRET);
    }
    const incident = (
      (await api(url, "/api/v1/incidents", { token: TOKENS.reader })).body as { incidents: { id: string }[] }
    ).incidents[0];
    const detail = await api(url, `/api/v1/incidents/${incident?.id}`, { token: TOKENS.reader });
    expect(detail.text).toContain("runbook.step");
    expect(detail.text).not.toContain(SECRET);
    await running.app.close();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join("")).not.toContain(SECRET);
    const data = join(running.dir, "data");
    for (const file of await readdir(data)) {
      const bytes = await readFile(join(data, file));
      expect(bytes.includes(Buffer.from(SECRET)), `${file} holds the secret`).toBe(false);
    }
  });
});
