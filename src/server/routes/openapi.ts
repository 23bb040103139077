/**
 * `GET /api/v1/openapi.json` and `GET /api/docs` (docs/api.md). Both are open (access `none`): the
 * document describes this version of HMS-OPS, which is public anyway, carries no data and no
 * secret, and client generators and browsers fetch it without a token.
 *
 * Call this before every other route: its onRoute hook collects their `config.doc`.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { buildOpenApi } from "../openapi.js";
import { renderApiDocs } from "../openapi-html.js";
import { collectRouteDocs } from "../route-docs.js";

const DOCS_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

export function openapiRoutes(app: FastifyInstance): void {
  const docs = collectRouteDocs(app);
  // Built on first request: by then every route (plugins included) has been added.
  let document: Record<string, unknown> | undefined;
  let page: string | undefined;
  const openapi = () => {
    document ??= buildOpenApi({ routes: app.routeAccess, docs, version: packageVersion() });
    return document;
  };

  app.get(
    "/api/v1/openapi.json",
    {
      config: {
        access: "none",
        doc: {
          summary: "This document: the OpenAPI 3.1 description of the API",
          responses: { 200: "OpenAPI 3.1" },
        },
      },
    },
    async () => openapi(),
  );

  app.get(
    "/api/docs",
    {
      config: {
        access: "none",
        doc: {
          summary: "The API reference as an HTML page, rendered from the OpenAPI document",
          responses: { 200: "a self-contained HTML page (no script, no external assets)" },
          produces: ["text/html"],
        },
      },
    },
    async (_req, reply) => {
      page ??= renderApiDocs(openapi());
      return reply
        .type("text/html; charset=utf-8")
        .header("content-security-policy", DOCS_CSP)
        .header("x-content-type-options", "nosniff")
        .send(page);
    },
  );
}

/** This package's version, found from this file wherever it was compiled or bundled to. */
function packageVersion(from = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      const json = JSON.parse(readFileSync(pkg, "utf8")) as { name?: string; version?: string };
      if (json.name === "hms-ops" && json.version) return json.version;
    }
    if (dirname(dir) === dir) return "0.0.0";
  }
}
