// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold ${ENV} references, not templates
import path from "node:path";
import { describe, expect, it } from "vitest";
import { errorsOf, TEST_ENV, TESTDATA } from "./fixtures.case.js";
import { loadConfig, loadConfigText } from "./load.js";

describe("loadConfig on the DESIGN.md §3 example", () => {
  const load = () => loadConfig(path.join(TESTDATA, "good/full.yml"), { env: TEST_ENV });

  it("normalizes server, auth and policy", async () => {
    const { config } = await load();
    expect(config.server).toEqual({
      listen: { host: "127.0.0.1", port: 8080 },
      url: "http://ops.agency.example",
      data: path.join(TESTDATA, "good/data"),
      eval_interval: 5_000,
      body_limit: 1024 * 1024,
      auth: {
        tokens: [
          { name: "admin", scopes: ["admin"], secret: TEST_ENV.HMS_OPS_TOKEN },
          { name: "sensors", scopes: ["ingest"], secret: TEST_ENV.HMS_OPS_INGEST_TOKEN },
        ],
        public_board: true,
      },
      incidents: {
        reopen_within: 15 * 60_000,
        reporting: {
          initial: 3_600_000,
          daily_updates: true,
          final: 7 * 86_400_000,
          timezone: "UTC",
          severity: "page",
        },
      },
      audit: { checkpoint_interval: 3_600_000 },
    });
    expect(config.policy).toEqual({
      source: "http://127.0.0.1:9100/policy/version",
      interval: 30_000,
      approved: "pack-2026-11-01",
    });
  });

  it("normalizes probes with defaults", async () => {
    const { config } = await load();
    const [http, push, heartbeat, tcp] = config.probes;
    expect(http).toMatchObject({
      type: "http",
      name: "irs-login",
      method: "GET",
      interval: 30_000,
      timeout: 10_000,
      expect: { status: [200], body_contains: "ok" },
      labels: { agency: "IRS", service: "login" },
      follow_redirects: true,
      max_redirects: 5,
    });
    expect(push).toEqual({
      type: "push",
      name: "osers-wait-time",
      labels: {},
      interval: 30_000,
      timeout: 10_000,
    });
    expect(heartbeat).toMatchObject({ type: "heartbeat", period: 86_400_000, grace: 3_600_000 });
    expect(tcp).toMatchObject({ type: "tcp", target: "127.0.0.1:5432" });
  });

  it("normalizes SLOs, sirens, receivers, run-books and maintenance", async () => {
    const { config } = await load();
    expect(config.slos.map((s) => s.name)).toEqual([
      "sla_wait_time",
      "irs-login-latency",
      "irs-login-availability",
    ]);
    expect(config.slos[0]).toMatchObject({ severity: "legal", no_data: "keep", siren: "compliance" });
    expect(config.slos[2]).toMatchObject({
      objective: 0.999,
      period: 30 * 86_400_000,
      good: "ok == 1 and latency <= 250ms",
    });
    expect(config.slos[2]?.objective).toBe(0.999);
    expect(config.sirens.oncall).toEqual({
      notify: ["pager"],
      repeat: 3_600_000,
      escalate: [{ after: 900_000, notify: ["pager-secondary"] }],
    });
    expect(config.sirens.compliance?.escalate).toEqual([]);
    expect(config.receivers["pager-secondary"]).toEqual({
      type: "webhook",
      url: "http://127.0.0.1:9200/hook",
      secret: "hook-secret",
      timeout: 10_000,
    });
    expect(config.receivers.pager).toMatchObject({ type: "pagerduty", routing_key: "pd-routing-key" });
    expect(config.runbooks["add-login-cache-node"]).toEqual({
      steps: [
        { run: "aws rds failover --cluster login-db" },
        { http: { method: "POST", url: "http://127.0.0.1:9300/api/rollback" } },
      ],
      cooldown: 900_000,
      timeout: 300_000,
      approval: false,
      dry_run: false,
      circuit_breaker: 3,
    });
    expect(config.runbooks["add-workers"]?.steps[0]).toEqual({
      http: { method: "POST", url: "http://127.0.0.1:9300/api/scale", body: { workers: "+2" } },
    });
    expect(config.maintenance).toEqual([
      { name: "saturday-patching", schedule: "0 2 * * SAT", duration: 7_200_000, match: { agency: "IRS" } },
    ]);
  });

  it("deep-freezes the result", async () => {
    const { config } = await load();
    expect(Object.isFrozen(config.probes[0]?.labels)).toBe(true);
    expect(() => {
      (config.sirens.oncall!.notify as string[]).push("x");
    }).toThrow(TypeError);
  });
});

describe("seed shapes", () => {
  it("reads rules/slo.yml as SLOs and resolves onFail to a siren or a run-book", async () => {
    const { config, files } = await loadConfig(path.join(TESTDATA, "good/seed/ops.yml"), { env: {} });
    expect(files).toEqual([
      path.join(TESTDATA, "good/seed/ops.yml"),
      path.join(TESTDATA, "good/seed/rules/slo.yml"),
    ]);
    expect(config.slos).toEqual([
      {
        name: "sla_wait_time",
        when: "avg(sla_wait_time) > 60000ms over 60s",
        siren: "compliance_siren",
        no_data: "keep",
        severity: "page",
        labels: {},
      },
      {
        name: "deploy_latency",
        when: "avg(deploy_latency) > 250ms over 5m",
        runbook: "rollback",
        no_data: "keep",
        severity: "page",
        labels: {},
      },
    ]);
  });

  it("accepts slos as a mapping mixing both shapes", async () => {
    const { config } = await loadConfig(path.join(TESTDATA, "good/slos-mapping.yml"), { env: {} });
    expect(config.slos[0]).toMatchObject({
      name: "sla_wait_time",
      when: "avg(sla_wait_time) > 60000ms over 60s",
      severity: "legal",
      legal: { sla: "Answer calls in under 60 seconds" },
      siren: "compliance_siren",
    });
    expect(config.slos[1]).toMatchObject({ name: "login-latency", probe: "IRS_Login_Latency" });
    expect(config.runbooks.Add_Login_Cache_Node?.steps).toEqual([
      { run: "aws rds failover --cluster login-db" },
      { run: "aws elasticache scale-out --cluster login-cache" },
      { wait: "resolved" },
    ]);
  });
});

describe("server section", () => {
  it.each([
    ["[::1]:9090", { host: "::1", port: 9090 }],
    [":8080", { host: "0.0.0.0", port: 8080 }],
    ["0.0.0.0:80", { host: "0.0.0.0", port: 80 }],
    ["9000", { host: "127.0.0.1", port: 9000 }],
  ])("listen %s", async (listen, expected) => {
    const { config } = await loadConfigText(`server: { listen: "${listen}" }`, "ops.yml", { env: {} });
    expect(config.server.listen).toEqual(expected);
  });

  it("HMS_OPS_LISTEN overrides the file, and is validated", async () => {
    const { config } = await loadConfigText("server: { listen: ':8080' }", "ops.yml", {
      env: { HMS_OPS_LISTEN: "[::1]:7000" },
    });
    expect(config.server.listen).toEqual({ host: "::1", port: 7000 });
    const errors = await errorsOf("{}", { env: { HMS_OPS_LISTEN: "nope" } });
    expect(errors).toEqual([{ path: "HMS_OPS_LISTEN", message: expect.stringContaining('"nope"') }]);
  });

  it("parses body_limit sizes", async () => {
    const { config } = await loadConfigText("server: { body_limit: 512kb }", "ops.yml", { env: {} });
    expect(config.server.body_limit).toBe(512 * 1024);
  });

  it("rejects duplicate token names and shared secrets", async () => {
    const text = [
      "server:",
      "  auth:",
      "    tokens:",
      "      - { name: a, scopes: [read], secret: aaaaaaaaaaaaaaaa }",
      "      - { name: a, scopes: [read], secret: aaaaaaaaaaaaaaaa }",
    ].join("\n");
    const errors = await errorsOf(text);
    expect(errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`)).toEqual([
      "5:17 server.auth.tokens[1].name: duplicate token name `a`",
      "5:44 server.auth.tokens[1].secret: token `a` has the same secret as token `a`",
    ]);
  });
});

describe("YAML features", () => {
  it("expands anchors and merge keys, and keeps `$${}` literal", async () => {
    const text = [
      "probes:",
      "  - &web { name: a, type: http, target: 'https://a.example', interval: 1m }",
      "  - { <<: *web, name: b, headers: { X-Template: '$${NOT_EXPANDED}' } }",
    ].join("\n");
    const { config } = await loadConfigText(text, "ops.yml", { env: {} });
    expect(config.probes[1]).toMatchObject({
      name: "b",
      interval: 60_000,
      headers: { "X-Template": "${NOT_EXPANDED}" },
    });
  });

  it("treats an empty section as absent", async () => {
    const { config } = await loadConfigText("probes:\n# - { name: a, type: push }\nslos:\n", "ops.yml", {
      env: {},
    });
    expect(config.probes).toEqual([]);
    expect(config.slos).toEqual([]);
  });
});
