import type { FastifyInstance } from "fastify";
import { parseDecisions } from "../../sensors/bias/index.js";
import type { ServerDeps } from "../app.js";
import type { RouteDoc } from "../route-docs.js";

/** For the OpenAPI document (src/server/route-docs.ts); the body is read by parseDecisions. */
const doc: RouteDoc = {
  summary: "Decision events for bias probes, in batches (not audited: data, not a change)",
  bodyText:
    "`{decisions: [...]}`, see docs/bias-sensor.md; a bad batch is refused whole, naming index and field",
  responses: { 202: "`{accepted}`" },
};

/**
 * `POST /api/v1/decisions` (docs/bias-sensor.md): decision events for bias probes, in batches.
 * 202 `{accepted}`; a bad batch is refused whole with 400 naming index and field. Like
 * `/api/v1/metrics`, ingest is not audited per batch (it is data, not a change of the setup).
 */
export function decisionRoutes(
  app: FastifyInstance,
  deps: Pick<ServerDeps, "detection" | "probes" | "actions">,
): void {
  app.post("/api/v1/decisions", { config: { access: "ingest", doc } }, async (req, reply) => {
    const decisions = parseDecisions(req.body, {
      now: deps.actions.clock.now(),
      probes: () => deps.probes.list().map((e) => e.spec),
    });
    const { accepted } = await deps.detection.bias.record(decisions);
    return reply.status(202).send({ accepted });
  });
}
