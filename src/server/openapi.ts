/**
 * The OpenAPI 3.1 document of the HTTP API, built from what the server itself runs on: the routes
 * and their access from `routeAccess` (src/server/auth.ts), the zod schemas each handler validates
 * with (its `config.doc`, src/server/route-docs.ts), the error catalogue (src/core/errors.ts) and
 * its HTTP statuses (src/server/errors.ts). Nothing here is a second copy that could drift; a route
 * without a `config.doc` is simply missing, which test/openapi.test.ts refuses.
 */
import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "../core/errors.js";
import type { Access, RouteAccess } from "./auth.js";
import { HTTP_STATUS } from "./errors.js";
import { type RouteDoc, type RouteDocs, routeKey } from "./route-docs.js";

type Json = Record<string, unknown>;

export interface OpenApiOptions {
  routes: readonly RouteAccess[];
  docs: RouteDocs;
  version: string;
}

export function buildOpenApi(opts: OpenApiOptions): Json {
  const schemas: Json = { Error: errorSchema() };
  const paths: Record<string, Json> = {};
  for (const route of opts.routes) {
    const doc = opts.docs.get(routeKey(route.method, route.url));
    if (!doc) continue;
    const path = oasPath(route.url);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(route, doc, schemas);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "HMS-OPS HTTP API",
      version: opts.version,
      description:
        "The operations center's API (DESIGN §4). Every reply is JSON unless stated; every error is " +
        "`{error: {code, message, details?}}` with a stable code (docs/errors.md). Each operation " +
        "names the scope its token needs in `security` and `x-access`.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    servers: [{ url: "/" }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description:
            "A token from `server.auth.tokens` in ops.yml (`Authorization: Bearer <secret>`). Scopes: " +
            "admin ⊇ operate ⊇ read; ingest stands alone. With no token configured the server " +
            "listens on loopback only and trusts every local request.",
        },
      },
      schemas,
    },
  };
}

/** `/api/v1/probes/:name` → `/api/v1/probes/{name}`. */
export function oasPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

/** `POST /api/v1/incidents/:id/ack` → `postIncidentsByIdAck`: stable names for generated clients. */
export function operationId(method: string, url: string): string {
  // The board's pages share names with the API (`/incidents`): they get a prefix of their own.
  const words = (tagOf(url) === "board" ? `/board${url}` : url)
    .replace(/^\/api\/v1\//, "/")
    .split(/[/.-]/)
    .filter(Boolean)
    .map((seg) => (seg.startsWith(":") ? `By${cap(seg.slice(1))}` : cap(seg)));
  return method.toLowerCase() + (words.join("") || "Root");
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function tagOf(url: string): string {
  const api = /^\/api\/v1\/([^/]+)/.exec(url);
  if (api?.[1] && api[1] !== "openapi.json") return api[1];
  if (url.startsWith("/api/") || url === "/healthz" || url === "/metrics") return "server";
  return "board";
}

function operation(route: RouteAccess, doc: RouteDoc, schemas: Json): Json {
  const id = operationId(route.method, route.url);
  const params = doc.params ? objectSchema(doc.params, schemas, `${id}_path`) : undefined;
  const query = doc.query ? objectSchema(doc.query, schemas, `${id}_query`) : undefined;
  const op: Json = {
    operationId: id,
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [tagOf(route.url)],
    "x-access": route.access,
    security: security(route.access),
  };
  const parameters = [
    ...parametersOf(params, "path"),
    ...undeclared(route.url, params),
    ...parametersOf(query, "query"),
  ];
  if (parameters.length) op.parameters = parameters;
  const body = requestBody(doc, params, schemas, id);
  if (body) op.requestBody = body;
  op.responses = { ...successes(doc), ...failures(route.access, doc, params !== undefined) };
  return op;
}

/** The access of a route as OpenAPI security: none → open; board → token optional on a public board. */
function security(access: Access): Json[] {
  if (access === "none") return [];
  if (access === "board") return [{ bearer: ["read"] }, {}];
  return [{ bearer: [access] }];
}

interface ObjectSchema extends Json {
  properties?: Record<string, Json>;
  required?: string[];
}

function parametersOf(schema: ObjectSchema | undefined, where: "path" | "query"): Json[] {
  return Object.entries(schema?.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === "path" || (schema?.required ?? []).includes(name),
    ...(typeof s.description === "string" ? { description: s.description } : {}),
    schema: s,
  }));
}

/** Path segments the handler reads without a schema: still parameters, as plain strings. */
function undeclared(url: string, params: ObjectSchema | undefined): Json[] {
  const names = [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
  return names
    .filter((n) => !(n in (params?.properties ?? {})))
    .map((name) => ({ name, in: "path", required: true, schema: { type: "string" } }));
}

function requestBody(doc: RouteDoc, params: ObjectSchema | undefined, schemas: Json, id: string) {
  if (doc.body) {
    const fromPath = Object.keys(params?.properties ?? {});
    const body = withoutKeys(doc.body, fromPath);
    const schema = jsonSchema(body, schemas, `${id}_body`);
    // Handlers read an absent body as `{}`: it may be left out exactly when `{}` would do.
    const required = !body.safeParse({}).success;
    return { required, content: { "application/json": { schema } } };
  }
  if (doc.bodyText) {
    return {
      required: true,
      description: doc.bodyText,
      content: { "application/json": { schema: { type: "object" } } },
    };
  }
  return undefined;
}

/** The handler merges path parameters into the body (`{...body, id}`): they are not body keys. */
function withoutKeys(schema: z.ZodType, keys: readonly string[]): z.ZodType {
  if (!(schema instanceof z.ZodObject)) return schema;
  const present = keys.filter((k) => k in schema.shape);
  if (present.length === 0) return schema;
  return schema.omit(Object.fromEntries(present.map((k) => [k, true])) as Record<string, true>);
}

function objectSchema(schema: z.ZodType, schemas: Json, name: string): ObjectSchema {
  const out = jsonSchema(schema, schemas, name);
  if (out.type !== "object") throw new Error(`${name}: parameters must be described by an object schema`);
  return out as ObjectSchema;
}

/**
 * zod → JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) of what a client may send. Local
 * `$defs` (recursive JSON values) move into components.schemas, because a `#/$defs` pointer inside
 * the document would resolve against the document's root.
 */
function jsonSchema(schema: z.ZodType, schemas: Json, name: string): Json {
  const {
    $schema: _,
    $defs,
    ...root
  } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
  }) as Json;
  const target = (def: string) => (def === "#" ? name : `${name}_${def}`);
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== "object") return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string" && (v === "#" || v.startsWith("#/$defs/"))) {
        out[k] = `#/components/schemas/${target(v === "#" ? "#" : v.slice("#/$defs/".length))}`;
      } else out[k] = rewrite(v);
    }
    return out;
  };
  for (const [def, s] of Object.entries(($defs ?? {}) as Json)) schemas[target(def)] = rewrite(s);
  const rewritten = rewrite(root) as Json;
  if (JSON.stringify(root).includes('"$ref":"#"')) {
    schemas[name] = rewritten;
    return { $ref: `#/components/schemas/${name}` } as Json;
  }
  return rewritten;
}

function successes(doc: RouteDoc): Json {
  const out: Json = {};
  for (const [status, description] of Object.entries(doc.responses)) {
    const empty = status === "101" || status === "204";
    const types = doc.produces ?? ["application/json"];
    out[status] = {
      description,
      ...(empty ? {} : { content: Object.fromEntries(types.map((t) => [t, {}])) }),
    };
  }
  return out;
}

/** The error replies a route can give, from its access, its inputs and the codes it names. */
function failures(access: Access, doc: RouteDoc, hasParams: boolean): Json {
  const codes = new Set<ErrorCode>(["internal"]);
  if (access !== "none") codes.add("unauthenticated").add("forbidden");
  if (doc.params || doc.query || doc.body || doc.bodyText) codes.add("validation_failed");
  if (doc.body || doc.bodyText) {
    codes.add("bad_request").add("payload_too_large").add("unsupported_media_type");
  }
  if (hasParams) codes.add("not_found");
  for (const c of doc.errors ?? []) codes.add(c);
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes)
    byStatus.set(HTTP_STATUS[code], [...(byStatus.get(HTTP_STATUS[code]) ?? []), code]);
  const out: Json = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: list.map((c) => `\`${c}\`: ${ERROR_CODES[c]}`).join(" "),
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  }
  return out;
}

/** `{error: {code, message, details?}}` (src/server/errors.ts), codes from the catalogue. */
function errorSchema(): Json {
  return {
    type: "object",
    required: ["error"],
    additionalProperties: false,
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        additionalProperties: false,
        properties: {
          code: { type: "string", enum: Object.keys(ERROR_CODES), description: "stable; docs/errors.md" },
          message: { type: "string" },
          details: {
            type: "array",
            description: "each problem, for validation errors",
            items: {
              type: "object",
              required: ["path", "message"],
              properties: {
                path: { type: "string", description: "key path (`probes[3].interval`) or field name" },
                message: { type: "string" },
                file: { type: "string" },
                line: { type: "integer" },
                column: { type: "integer" },
              },
            },
          },
        },
      },
    },
  };
}
