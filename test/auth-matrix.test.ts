/**
 * The auth matrix on every route, over a real loopback port: no token, a wrong token, a token
 * without the scope, a token with it. The expected access of each route is written here from
 * DESIGN §4; a route the server has but this table lacks fails the test, so none escapes it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, type Running, serverYaml, startApp, TOKENS, waitFor } from "./helpers.js";

const EXPECTED: Record<string, string> = {
  "GET /healthz": "none",
  // The API's own description (OpenAPI 3.1) and its HTML page: public metadata, no data.
  "GET /api/v1/openapi.json": "none",
  "GET /api/docs": "none",
  "GET /metrics": "board",
  "GET /api/v1/audit": "read",
  "GET /api/v1/audit/verify": "read",
  "GET /api/v1/audit/public-key": "read",
  "GET /api/v1/audit/checkpoints": "read",
  "GET /api/v1/probes": "read",
  "GET /api/v1/probes/:name": "read",
  "POST /api/v1/probes": "admin",
  "DELETE /api/v1/probes/:name": "admin",
  "POST /api/v1/metrics": "ingest",
  "POST /api/v1/decisions": "ingest",
  "GET /api/v1/heartbeats/:name": "ingest",
  "POST /api/v1/heartbeats/:name": "ingest",
  "GET /api/v1/heartbeats/:name/start": "ingest",
  "POST /api/v1/heartbeats/:name/start": "ingest",
  "GET /api/v1/heartbeats/:name/fail": "ingest",
  "POST /api/v1/heartbeats/:name/fail": "ingest",
  "GET /api/v1/status": "board",
  "GET /api/v1/stream": "board",
  // The board's static shell: the same file for everyone, no data (browsers cannot send a token
  // when they navigate); its data comes from /api/v1/status and /api/v1/stream.
  "GET /": "none",
  "GET /incidents": "none",
  "GET /incidents/:id": "none",
  "GET /probes/:name": "none",
  "GET /slos/:name": "none",
  "GET /audit": "none",
  "GET /policy": "none",
  "GET /assets/:file": "none",
  "GET /api/v1/alerts": "read",
  "GET /api/v1/policy": "read",
  "GET /api/v1/slos/:name/budget": "read",
  "GET /api/v1/series": "read",
  "GET /api/v1/incidents": "read",
  "GET /api/v1/incidents/:id": "read",
  "POST /api/v1/incidents/:id/ack": "operate",
  "POST /api/v1/incidents/:id/resolve": "operate",
  "POST /api/v1/incidents/:id/notes": "operate",
  "GET /api/v1/incidents/:id/report": "read",
  "POST /api/v1/incidents/:id/reports": "operate",
  "GET /api/v1/violations": "read",
  "GET /api/v1/reports/sla": "read",
  "GET /api/v1/runbooks": "read",
  "POST /api/v1/runbooks": "admin",
  "POST /api/v1/runbooks/attach": "admin",
  "POST /api/v1/runbooks/:name/run": "operate",
  "GET /api/v1/runbook-runs": "read",
  "GET /api/v1/runbook-runs/:id": "read",
  "POST /api/v1/runbook-runs/:id/approve": "operate",
  "POST /api/v1/runbook-runs/:id/reject": "operate",
  "GET /api/v1/silences": "read",
  "GET /api/v1/silences/:id": "read",
  "POST /api/v1/silences": "operate",
  "DELETE /api/v1/silences/:id": "operate",
};

/** What each test token may do (admin ⊇ all; operate ⊇ read; ingest alone). */
const GRANTS: Record<keyof typeof TOKENS, string[]> = {
  admin: ["admin", "operate", "read", "ingest"],
  operator: ["operate", "read"],
  reader: ["read"],
  sensor: ["ingest"],
};

const concrete = (url: string) => url.replace(":name", "no-such-probe");
const PROBE_BODY = { name: "matrix-probe", type: "tcp", target: "127.0.0.1:1" };

describe("auth matrix", () => {
  let srv: Running;
  beforeAll(async () => {
    srv = await startApp(serverYaml());
  });
  afterAll(() => srv.stop());

  it("every route is in the expected table with the same access", () => {
    const actual = Object.fromEntries(
      srv.app.server.routeAccess.map((r) => [`${r.method} ${r.url}`, r.access]),
    );
    expect(actual).toEqual(EXPECTED);
  });

  for (const [route, access] of Object.entries(EXPECTED)) {
    const [method, url] = route.split(" ") as [string, string];
    const call = (token?: string) =>
      api(srv.url, concrete(url), {
        method,
        ...(token ? { token } : {}),
        ...(method === "POST" ? { body: PROBE_BODY } : {}),
      });

    it(`${route}: no token`, async () => {
      const res = await call();
      if (access === "none") expect(res.status).not.toBe(401);
      else {
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ error: { code: "unauthenticated" } });
      }
    });

    it(`${route}: wrong token`, async () => {
      const res = await call("not-a-real-token-000000000000");
      if (access === "none") expect(res.status).not.toBe(401);
      else expect(res.status).toBe(401);
    });

    for (const [name, token] of Object.entries(TOKENS) as [keyof typeof TOKENS, string][]) {
      const needed = access === "board" ? "read" : access;
      const allowed = access === "none" || GRANTS[name].includes(needed);
      it(`${route}: ${name} token is ${allowed ? "allowed" : "forbidden"}`, async () => {
        const res = await call(token);
        if (allowed) expect([401, 403]).not.toContain(res.status);
        else {
          expect(res.status).toBe(403);
          expect(res.body).toMatchObject({ error: { code: "forbidden" } });
        }
      });
    }
  }

  it("a malformed Authorization header is refused", async () => {
    const res = await api(srv.url, "/api/v1/probes", { headers: { authorization: `Basic ${TOKENS.admin}` } });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: "unauthenticated", message: /Bearer/ } });
  });
});

describe("public board", () => {
  let srv: Running;
  beforeAll(async () => {
    srv = await startApp(
      serverYaml(
        "",
        `  auth:\n    public_board: true\n    tokens:\n      - { name: admin, scopes: [admin], secret: "${TOKENS.admin}" }\n` +
          'probes:\n  - { name: internal-db, type: tcp, target: "127.0.0.1:1", interval: 200ms, timeout: 150ms }\n',
      ),
    );
  });
  afterAll(() => srv.stop());

  it("shows the public the board's states but not probe error texts (they can name internal hosts)", async () => {
    type Status = { probes: { name: string; state: string; last: { ok: boolean; error?: string } | null }[] };
    const admin = await waitFor(async () => {
      const r = await api(srv.url, "/api/v1/status", { token: TOKENS.admin });
      const p = (r.body as Status).probes.find((x) => x.name === "internal-db");
      return p?.last?.error ? p : undefined;
    }, "a failed tcp probe");
    expect(admin.last?.error).toBe("ECONNREFUSED");
    const pub = (await api(srv.url, "/api/v1/status")).body as Status;
    const p = pub.probes.find((x) => x.name === "internal-db");
    expect(p?.last).toMatchObject({ ok: false });
    expect(p?.last?.error).toBeUndefined();
    expect(JSON.stringify(pub)).not.toContain("ECONNREFUSED");
  });

  it("board routes open without a token, everything else still closed", async () => {
    expect((await api(srv.url, "/metrics")).status).toBe(200);
    expect((await api(srv.url, "/api/v1/probes")).status).toBe(401);
    expect((await api(srv.url, "/api/v1/probes", { method: "POST", body: PROBE_BODY })).status).toBe(401);
  });
});

describe("no token configured (loopback only)", () => {
  let srv: Running;
  beforeAll(async () => {
    srv = await startApp("server:\n  data: ./data\n");
  });
  afterAll(() => srv.stop());

  it("trusts local requests and records them as `local`", async () => {
    const res = await api(srv.url, "/api/v1/probes", { method: "POST", body: PROBE_BODY });
    expect(res.status).toBe(201);
    const audit = await api(srv.url, "/api/v1/audit?action=probe.register");
    expect(audit.body).toMatchObject({ entries: [{ actor: "local", action: "probe.register" }] });
  });
});
