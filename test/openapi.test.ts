/**
 * The OpenAPI document (src/server/openapi.ts) against the running server it describes: every
 * route is in it with the access the server enforces, its `$ref`s resolve, and a body schema in it
 * accepts and refuses the same examples the server does. Ajv (fastify's own validator) reads the
 * schemas as a client generator would.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oasPath } from "../src/server/openapi.js";
import { api, type Running, serverYaml, startApp, TOKENS } from "./helpers.js";

type Json = Record<string, unknown>;
type Operation = Json & { "x-access": string; security: Json[]; operationId: string };
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

describe("OpenAPI document", () => {
  let srv: Running;
  let doc: Json & { paths: Record<string, Record<string, Operation>>; components: Json };
  beforeAll(async () => {
    srv = await startApp(serverYaml());
    const res = await api(srv.url, "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    doc = res.body as typeof doc;
  });
  afterAll(() => srv.stop());

  it("has the shape of OpenAPI 3.1 with a bearer scheme and the error schema", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({
      title: expect.any(String),
      version: expect.stringMatching(/^\d+\.\d+/),
    });
    expect(Object.keys(doc.paths).every((p) => p.startsWith("/") && !p.includes(":"))).toBe(true);
    expect(doc.components).toMatchObject({
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { Error: { required: ["error"] } },
    });
    // The names OpenAPI 3.1 allows for components.
    for (const name of Object.keys(doc.components.schemas as Json)) expect(name).toMatch(/^[a-zA-Z0-9._-]+$/);
    const ops = Object.values(doc.paths).flatMap((item) => Object.values(item));
    const ids = ops.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const op of Object.values(item)) {
        expect(Object.keys(op.responses as Json).every((k) => /^[1-5]\d\d$/.test(k))).toBe(true);
        // OpenAPI requires every templated segment to be declared as a path parameter.
        const declared = ((op.parameters ?? []) as Json[]).filter((p) => p.in === "path").map((p) => p.name);
        const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(declared.sort(), path).toEqual(templated.sort());
      }
    }
  });

  it("describes every route with the access the server enforces, and nothing else", () => {
    const routes = srv.app.server.routeAccess;
    const missing = routes.filter((r) => !doc.paths[oasPath(r.url)]?.[r.method.toLowerCase()]);
    expect(missing.map((r) => `${r.method} ${r.url} (add config.doc beside its handler)`)).toEqual([]);
    for (const r of routes) {
      const op = doc.paths[oasPath(r.url)]?.[r.method.toLowerCase()] as Operation;
      expect(op["x-access"], `${r.method} ${r.url}`).toBe(r.access);
      const expected =
        r.access === "none"
          ? []
          : r.access === "board"
            ? [{ bearer: ["read"] }, {}]
            : [{ bearer: [r.access] }];
      expect(op.security, `${r.method} ${r.url}`).toEqual(expected);
    }
    const documented = Object.entries(doc.paths).flatMap(([p, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${oasPath(r.url)}`).sort());
  });

  it("every $ref points at a component that exists", () => {
    const refs: string[] = [];
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === "object") {
        for (const [k, v] of Object.entries(n)) {
          if (k === "$ref" && typeof v === "string") refs.push(v);
          else walk(v);
        }
      }
    };
    walk(doc);
    const schemas = doc.components.schemas as Json;
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(schemas, ref).toHaveProperty([ref.replace("#/components/schemas/", "")]);
  });

  it("names path and query parameters from the handlers' own schemas", () => {
    const get = doc.paths["/api/v1/incidents"]?.get as Json;
    expect(get.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "state", in: "query", required: false }),
        expect.objectContaining({
          name: "limit",
          in: "query",
          schema: expect.objectContaining({ maximum: 1000 }),
        }),
      ]),
    );
    const ack = doc.paths["/api/v1/incidents/{id}/ack"]?.post as Json;
    expect(ack.parameters).toEqual([expect.objectContaining({ name: "id", in: "path", required: true })]);
    // The id comes from the path, so the body has only what the action reads besides it.
    const body = (ack.requestBody as { required: boolean; content: Record<string, { schema: Json }> }) ?? {};
    expect(body.required).toBe(false);
    expect(doc.paths["/api/v1/probes"]?.post?.requestBody).toMatchObject({ required: true });
    expect(Object.keys(body.content["application/json"]?.schema.properties as Json)).toEqual(["comment"]);
  });

  const validator = () => {
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    ajv.addSchema(doc, "openapi.json");
    return (path: string, method: string) =>
      ajv.compile({
        $ref: `openapi.json#/paths/${path.replaceAll("/", "~1")}/${method}/requestBody/content/application~1json/schema`,
      });
  };

  /** Each example: does the document's schema accept it, and does the server? They must agree. */
  async function agree(path: string, examples: unknown[], expectAccepted: boolean[]) {
    const validate = validator()(path, "post");
    const rows = [];
    for (const example of examples) {
      const res = await api(srv.url, path, { method: "POST", token: TOKENS.admin, body: example });
      expect([201, 400]).toContain(res.status);
      rows.push({ example, schema: validate(example), server: res.status === 201 });
    }
    expect(rows.map((r) => r.server)).toEqual(expectAccepted);
    for (const r of rows) expect(r.schema, JSON.stringify(r.example)).toBe(r.server);
  }

  it("POST /api/v1/probes: the body schema accepts and refuses what the server does", async () => {
    await agree(
      "/api/v1/probes",
      [
        { name: "oa-tcp", type: "tcp", target: "127.0.0.1:9" },
        { name: "oa-http", type: "http", target: "http://127.0.0.1:9/", interval: "1m", method: "HEAD" },
        { name: "oa-push", type: "push", interval: 60000 },
        { name: "oa-bad-type", type: "smtp", target: "127.0.0.1:25" },
        { name: "oa-extra", type: "tcp", target: "127.0.0.1:9", colour: "red" },
        { type: "tcp", target: "127.0.0.1:9" },
        { name: "oa-bad-interval", type: "push", interval: "5 minutes" },
        { name: "oa-bad-method", type: "http", target: "http://127.0.0.1:9/", method: "FETCH" },
        { name: "bad name!", type: "push" },
      ],
      [true, true, true, false, false, false, false, false, false],
    );
  });

  it("POST /api/v1/silences: the body schema accepts and refuses what the server does", async () => {
    await agree(
      "/api/v1/silences",
      [
        { matchers: { slo: "osers-wait" }, duration: "2h", comment: "migration" },
        { matchers: { probe: "irs-login" }, endsAt: Date.now() + 3_600_000, comment: "window" },
        { matchers: { slo: "x" }, duration: "1h" },
        { matchers: { slo: "x" }, duration: "1h", comment: "c", reason: "unknown key" },
        { matchers: { slo: "" }, duration: "1h", comment: "empty matcher value" },
        { matchers: "slo=x", duration: "1h", comment: "not an object" },
        { duration: "1h", comment: "no matchers" },
      ],
      [true, true, false, false, false, false, false],
    );
  });

  it("is open without a token, as is the docs page, which renders every operation offline", async () => {
    const page = await api(srv.url, "/api/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(page.text).not.toMatch(/<script|https?:\/\/(?!json-schema\.org)/);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        expect(page.text).toContain(`id="${op.operationId}"`);
        expect(page.text, `${method} ${path}`).toContain(path.replaceAll("&", "&amp;"));
      }
    }
    expect(page.text).toContain("scope: admin");
  });
});
