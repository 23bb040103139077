import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../app.js";
import type { RouteDoc } from "../route-docs.js";

/** For the OpenAPI document (src/server/route-docs.ts). */
const docs = {
  status: {
    summary: "The board: policy, probes green/yellow/red, SLO states, open incidents",
    responses: { 200: "`{policy, probes, slos, incidents}`" },
  },
  alerts: { summary: "Alerts with state, since, value and labels", responses: { 200: "`{alerts}`" } },
} satisfies Record<string, RouteDoc>;

/** The board (DESIGN §4): policy, probes green/yellow/red, SLO states, open incidents. */
export function statusRoutes(app: FastifyInstance, deps: Pick<ServerDeps, "detection">): void {
  app.get("/api/v1/status", { config: { access: "board", doc: docs.status } }, async () =>
    deps.detection.status(),
  );
  app.get("/api/v1/alerts", { config: { access: "read", doc: docs.alerts } }, async () => ({
    alerts: deps.detection.alerts(),
  }));
}
