import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../app.js";

/** Prometheus exposition; open on a public board, otherwise it needs `read`. */
export function metricsRoutes(app: FastifyInstance, deps: Pick<ServerDeps, "metrics" | "probes">): void {
  app.get("/metrics", { config: { access: "board" } }, async (_req, reply) => {
    deps.metrics.probes.set({ source: "config" }, deps.probes.count("config"));
    deps.metrics.probes.set({ source: "api" }, deps.probes.count("api"));
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });
}
