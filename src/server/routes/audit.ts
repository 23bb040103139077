import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AuditEntry } from "../../audit/index.js";
import { OpsError } from "../../core/errors.js";
import type { ServerDeps } from "../app.js";
import type { RouteDoc } from "../route-docs.js";
import { parseInput } from "../validate.js";

const timeParam = z
  .union([z.coerce.number().int().nonnegative(), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === "number" ? v : Date.parse(v)));

const listQuery = z.strictObject({
  after: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  actor: z.string().min(1).optional(),
  action: z.string().min(1).optional(),
  from: timeParam.optional(),
  to: timeParam.optional(),
});

/** Entries as the API shows them: the stored fields plus an ISO time for people. */
export function auditView(e: AuditEntry) {
  return { ...e, time: new Date(e.ts).toISOString() };
}

export function auditRoutes(app: FastifyInstance, deps: Pick<ServerDeps, "audit">): void {
  app.get("/api/v1/audit", { config: { access: "read", doc: docs.list } }, async (req) => {
    const q = parseInput(listQuery, req.query, "query");
    const entries = await deps.audit.list(q);
    const last = entries.at(-1);
    return {
      entries: entries.map(auditView),
      next: last && entries.length === (q.limit ?? 100) ? last.seq : null,
    };
  });
  // With signing keys the reply also has `checkpoints` ({ok, count, key, last, firstBad?}).
  app.get("/api/v1/audit/verify", { config: { access: "read", doc: docs.verify } }, async () =>
    deps.audit.verify(),
  );
  /** Signed heads in `n` order (docs/audit.md), for auditors who anchor them elsewhere. */
  app.get("/api/v1/audit/checkpoints", { config: { access: "read", doc: docs.checkpoints } }, async (req) => {
    const q = parseInput(checkpointQuery, req.query, "query");
    const checkpoints = await deps.audit.checkpoints(q);
    const last = checkpoints.at(-1);
    return {
      checkpoints: checkpoints.map((c) => ({ ...c, time: new Date(c.ts).toISOString() })),
      next: last && checkpoints.length === q.limit ? last.n : null,
    };
  });
  /** The Ed25519 key checkpoints are signed with: JSON, or the PEM file itself with ?format=pem. */
  app.get("/api/v1/audit/public-key", { config: { access: "read", doc: docs.key } }, async (req, reply) => {
    const { format } = parseInput(publicKeyQuery, req.query, "query");
    const key = deps.audit.publicKey();
    if (!key) throw new OpsError("not_found", "this server has no audit signing key");
    if (format === "pem") return reply.type("application/x-pem-file; charset=utf-8").send(key.pem);
    return { algorithm: "Ed25519", key: key.keyId, pem: key.pem };
  });
}

const checkpointQuery = z.strictObject({
  after: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const publicKeyQuery = z.strictObject({ format: z.enum(["json", "pem"]).default("json") });

/** For the OpenAPI document (src/server/route-docs.ts). */
const docs = {
  list: {
    summary: "Audit entries, oldest first, paged by `after`",
    query: listQuery,
    responses: { 200: "`{entries, next}`" },
  },
  verify: {
    summary: "Verify the hash chain (and the signed checkpoints)",
    responses: { 200: "`{ok, entries, head, checkpoints?}`" },
  },
  checkpoints: {
    summary: "Signed audit heads, paged by `n`",
    query: checkpointQuery,
    responses: { 200: "`{checkpoints, next}`" },
  },
  key: {
    summary: "The Ed25519 key that signs checkpoints",
    query: publicKeyQuery,
    responses: { 200: "`{algorithm, key, pem}`, or the PEM file with `format=pem`" },
    produces: ["application/json", "application/x-pem-file"],
    errors: ["not_found"],
  },
} satisfies Record<string, RouteDoc>;
