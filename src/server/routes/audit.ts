import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AuditEntry } from "../../audit/index.js";
import type { ServerDeps } from "../app.js";
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
  app.get("/api/v1/audit", { config: { access: "read" } }, async (req) => {
    const q = parseInput(listQuery, req.query, "query");
    const entries = await deps.audit.list(q);
    const last = entries.at(-1);
    return {
      entries: entries.map(auditView),
      next: last && entries.length === (q.limit ?? 100) ? last.seq : null,
    };
  });
  app.get("/api/v1/audit/verify", { config: { access: "read" } }, async () => deps.audit.verify());
}
