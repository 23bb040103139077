import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { PolicyChange } from "../../policy/index.js";
import type { ServerDeps } from "../app.js";
import type { RouteDoc } from "../route-docs.js";
import { parseInput } from "../validate.js";

const query = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  /** A `seq` from a previous page's `next`: the changes recorded before it. */
  before: z.coerce.number().int().min(1).optional(),
});

/** For the OpenAPI document (src/server/route-docs.ts). */
const doc: RouteDoc = {
  summary: "The live policy pack, approved id, drift, source health and change history",
  query,
  responses: { 200: "`{id, digest, approved, drift, source, up, error, fetchedAt, history, next}`" },
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function changeView(c: PolicyChange) {
  return {
    seq: c.seq,
    at: iso(c.at),
    from: c.from,
    to: c.to,
    fromDigest: c.fromDigest,
    toDigest: c.toDigest,
  };
}

/** DESIGN §4 `GET /api/v1/policy`: the live pack, approved id, drift, source health, change history. */
export function policyRoutes(app: FastifyInstance, deps: Pick<ServerDeps, "detection">): void {
  app.get("/api/v1/policy", { config: { access: "read", doc } }, async (req) => {
    const q = parseInput(query, req.query, "query");
    const policy = deps.detection.policy;
    const s = policy.current();
    const limit = q.limit ?? 100;
    const history = await policy.changes({ limit, ...(q.before !== undefined ? { before: q.before } : {}) });
    const last = history.at(-1);
    return {
      id: s.id,
      digest: s.digest,
      approved: s.approved,
      drift: s.drift,
      source: policy.source(),
      // Unknown until the first fetch; a source that fails is down even while the last good pack stays.
      up: s.fetchedAt === null ? null : s.error === null,
      error: s.error,
      fetchedAt: iso(s.fetchedAt),
      history: history.map(changeView),
      next: last && history.length === limit && last.seq > 1 ? last.seq : null,
    };
  });
}
