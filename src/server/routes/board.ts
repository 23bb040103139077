/**
 * The Reliability Board web UI (DESIGN §4 `GET /`): one index.html for `/` and every deep link
 * (`/incidents/:id`, `/probes/:name`, ...), so a reload lands on the same view, plus the bundled
 * assets from dist/web (built by scripts/build-web.mjs; nothing from a CDN, no external fonts).
 *
 * Access is `none` on purpose: the shell is the same static file for everyone and carries no data,
 * and a browser cannot send a bearer token when it navigates. Every byte of data comes from
 * `/api/v1/status` and `/api/v1/stream` (board access) and the read/operate routes, which check
 * the token the page keeps in sessionStorage.
 */
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { OpsError } from "../../core/errors.js";
import type { RouteDoc } from "../route-docs.js";
import { parseInput } from "../validate.js";

/** Client-side views; each serves index.html and the page routes itself. */
export const BOARD_PAGES = [
  "/",
  "/incidents",
  "/incidents/:id",
  "/probes/:name",
  "/slos/:name",
  "/audit",
  "/policy",
] as const;

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

/** Same-origin only: no inline script, no third-party anything (also keeps injected HTML inert). */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const assetParam = z.strictObject({
  file: z.string().regex(/^[a-z0-9-]+\.(js|css|svg|map)$/, "unknown asset"),
});

/** For the OpenAPI document (src/server/route-docs.ts). */
const pageDoc: RouteDoc = {
  summary: "The Reliability Board web UI (the same static page for every view; data needs a token)",
  responses: { 200: "the board's HTML shell" },
  produces: ["text/html"],
};
const assetDoc: RouteDoc = {
  summary: "The board's bundled scripts, styles and icons",
  params: assetParam,
  responses: { 200: "the asset" },
  produces: ["text/javascript", "text/css", "image/svg+xml"],
};

/** dist/web of this package, found from this file wherever it was compiled or bundled to. */
export function webDir(from = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && /"name":\s*"hms-ops"/.test(readFileSync(pkg, "utf8")))
      return join(dir, "dist", "web");
    const up = dirname(dir);
    if (up === dir) return join(dirname(from), "web");
    dir = up;
  }
}

export function boardRoutes(app: FastifyInstance, dir = webDir()): void {
  const cache = new Map<string, Buffer>();
  const load = async (file: string): Promise<Buffer> => {
    const hit = cache.get(file);
    if (hit) return hit;
    try {
      const body = await readFile(join(dir, file));
      cache.set(file, body);
      return body;
    } catch (err) {
      if (file === "index.html") {
        throw new OpsError("not_found", "the board's web assets are not built (run `npm run build`)", {
          cause: err,
        });
      }
      throw new OpsError("not_found", `no board asset ${JSON.stringify(file)}`, { cause: err });
    }
  };
  const secure = (reply: FastifyReply) =>
    reply
      .header("content-security-policy", CSP)
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer")
      .header("cache-control", "no-cache");

  for (const page of BOARD_PAGES) {
    app.get(page, { config: { access: "none", doc: pageDoc } }, async (_req, reply) =>
      secure(reply)
        .type("text/html; charset=utf-8")
        .send(await load("index.html")),
    );
  }
  app.get("/assets/:file", { config: { access: "none", doc: assetDoc } }, async (req, reply) => {
    const { file } = parseInput(assetParam, req.params, "path");
    const ext = file.slice(file.lastIndexOf("."));
    return secure(reply)
      .type(TYPES[ext] ?? "application/octet-stream")
      .send(await load(`assets/${file}`));
  });
}
