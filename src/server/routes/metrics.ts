import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../app.js";
import type { RouteDoc } from "../route-docs.js";

/** For the OpenAPI document (src/server/route-docs.ts). */
const doc: RouteDoc = {
  summary: "Prometheus text exposition of HMS-OPS's own and probe metrics",
  responses: { 200: "Prometheus text format 0.0.4" },
  produces: ["text/plain"],
};

/** Prometheus exposition; open on a public board, otherwise it needs `read`. */
export function metricsRoutes(app: FastifyInstance, deps: Pick<ServerDeps, "metrics" | "probes">): void {
  app.get("/metrics", { config: { access: "board", doc } }, async (_req, reply) => {
    deps.metrics.probes.set({ source: "config" }, deps.probes.count("config"));
    deps.metrics.probes.set({ source: "api" }, deps.probes.count("api"));
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });
}
