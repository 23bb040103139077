import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../app.js";
import { parseSamples } from "./samples-parse.js";

/** `POST /api/v1/metrics`: pushed samples (DESIGN §4). 202 `{accepted}`; a bad batch is refused whole. */
export function sampleRoutes(
  app: FastifyInstance,
  deps: Pick<ServerDeps, "detection" | "probes" | "actions">,
): void {
  app.post("/api/v1/metrics", { config: { access: "ingest" } }, async (req, reply) => {
    const samples = parseSamples(req.body, {
      now: deps.actions.clock.now(),
      probe: (n) => deps.probes.get(n),
    });
    const { accepted } = deps.detection.ingest(samples);
    return reply.status(202).send({ accepted });
  });
}
