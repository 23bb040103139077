import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../app.js";

/** The board (DESIGN §4): policy, probes green/yellow/red, SLO states, open incidents. */
export function statusRoutes(app: FastifyInstance, deps: Pick<ServerDeps, "detection">): void {
  app.get("/api/v1/status", { config: { access: "board" } }, async () => deps.detection.status());
  app.get("/api/v1/alerts", { config: { access: "read" } }, async () => ({
    alerts: deps.detection.alerts(),
  }));
}
