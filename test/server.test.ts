/** The HTTP server over a real loopback port and a real SQLite file. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, type Running, serverYaml, startApp, TOKENS } from "./helpers.js";

const CONFIG = serverYaml(`  body_limit: 4kb
probes:
  - name: from-config
    type: http
    target: http://127.0.0.1:9/
    headers: { Authorization: "Bearer very-secret-header-value" }
`);

const admin = TOKENS.admin;

describe("server basics", () => {
  let srv: Running;
  beforeAll(async () => {
    srv = await startApp(CONFIG);
  });
  afterAll(() => srv.stop());

  it("GET /healthz answers ok without a token", async () => {
    const res = await api(srv.url, "/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  it("GET /metrics exposes HMS-OPS's own figures in Prometheus text format", async () => {
    await api(srv.url, "/api/v1/probes", { token: admin });
    const res = await api(srv.url, "/metrics", { token: TOKENS.reader });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/plain/);
    expect(res.text).toMatch(
      /^hms_ops_http_requests_total\{method="GET",route="\/api\/v1\/probes",status="200"\} \d+/m,
    );
    expect(res.text).toMatch(/^hms_ops_probes\{source="config"\} 1$/m);
    expect(res.text).toMatch(/^hms_ops_process_resident_memory_bytes \d+/m);
  });

  it("unknown routes are JSON 404s", async () => {
    const res = await api(srv.url, "/api/v1/nope", { token: admin });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: "not_found" } });
  });

  it("malformed JSON is a 400 without a stack trace", async () => {
    const res = await api(srv.url, "/api/v1/probes", { method: "POST", token: admin, body: '{"name": ' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: "bad_request" } });
    expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it("a body over server.body_limit is refused with 413", async () => {
    const body = { name: "big", type: "push", description: "x".repeat(10_000) };
    const res = await api(srv.url, "/api/v1/probes", { method: "POST", token: admin, body });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: "payload_too_large" } });
  });

  it("a body that is not JSON is refused with 415", async () => {
    const res = await api(srv.url, "/api/v1/probes", {
      method: "POST",
      token: admin,
      body: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ error: { code: "unsupported_media_type" } });
  });

  it("secrets in probe specs never leave the server", async () => {
    const res = await api(srv.url, "/api/v1/probes/from-config", { token: admin });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain("very-secret-header-value");
    expect(res.body).toMatchObject({ name: "from-config", source: "config", type: "http" });
  });

  it("bad query parameters name the field", async () => {
    const res = await api(srv.url, "/api/v1/audit?limit=abc", { token: admin });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: "validation_failed", details: [{ path: "limit" }] } });
  });
});

describe("run-time probe registration", () => {
  let srv: Running;
  beforeAll(async () => {
    srv = await startApp(CONFIG);
  });
  afterAll(() => srv.stop());

  const probe = { name: "api-login", type: "http", target: "http://127.0.0.1:9000/login", interval: "15s" };

  it("registers, lists, refuses duplicates and config names, removes; each change audited", async () => {
    const created = await api(srv.url, "/api/v1/probes", { method: "POST", token: admin, body: probe });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "api-login",
      source: "api",
      createdBy: "admin",
      spec: { interval: 15_000 },
    });

    const list = await api(srv.url, "/api/v1/probes", { token: TOKENS.reader });
    expect((list.body as { probes: { name: string }[] }).probes.map((p) => p.name)).toEqual([
      "api-login",
      "from-config",
    ]);

    const dup = await api(srv.url, "/api/v1/probes", { method: "POST", token: admin, body: probe });
    expect(dup.status).toBe(409);
    const shadow = await api(srv.url, "/api/v1/probes", {
      method: "POST",
      token: admin,
      body: { ...probe, name: "from-config" },
    });
    expect(shadow.status).toBe(409);
    expect(shadow.body).toMatchObject({ error: { code: "conflict", message: /ops\.yml/ } });

    const delConfig = await api(srv.url, "/api/v1/probes/from-config", { method: "DELETE", token: admin });
    expect(delConfig.status).toBe(409);
    const del = await api(srv.url, "/api/v1/probes/api-login", { method: "DELETE", token: admin });
    expect(del.status).toBe(200);
    const again = await api(srv.url, "/api/v1/probes/api-login", { method: "DELETE", token: admin });
    expect(again.status).toBe(404);

    const audit = await api(srv.url, "/api/v1/audit?limit=1000", { token: admin });
    const actions = (
      audit.body as { entries: { actor: string; action: string; subject: string }[] }
    ).entries.filter((e) => e.action.startsWith("probe."));
    expect(actions).toEqual([
      expect.objectContaining({ actor: "admin", action: "probe.register", subject: "probe:api-login" }),
      expect.objectContaining({ actor: "admin", action: "probe.remove", subject: "probe:api-login" }),
    ]);
  });

  it("an invalid probe is refused with every bad field named", async () => {
    const res = await api(srv.url, "/api/v1/probes", {
      method: "POST",
      token: admin,
      body: { name: "bad probe!", type: "http", target: "not a url", interval: "5x" },
    });
    expect(res.status).toBe(400);
    const paths = (res.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["name", "target", "interval"]));
  });

  it("an unknown probe type is refused", async () => {
    const res = await api(srv.url, "/api/v1/probes", {
      method: "POST",
      token: admin,
      body: { name: "x", type: "smtp" },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: "validation_failed" } });
  });

  it("registered probes survive a restart", async () => {
    await api(srv.url, "/api/v1/probes", {
      method: "POST",
      token: admin,
      body: { ...probe, name: "persisted" },
    });
    const dir = srv.dir;
    await srv.app.close();
    srv = await startApp(CONFIG, { dir });
    const res = await api(srv.url, "/api/v1/probes/persisted", { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ source: "api", createdBy: "admin" });
    const verify = await api(srv.url, "/api/v1/audit/verify", { token: admin });
    expect(verify.body).toMatchObject({ ok: true });
  });
});
