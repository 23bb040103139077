import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../app.js";
import { PUBLIC_VIEWER } from "../auth.js";
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
  app.get("/api/v1/status", { config: { access: "board", doc: docs.status } }, async (req) => {
    const status = await deps.detection.status();
    // A public board's anonymous viewer sees states and figures, not probe error texts (they can
    // name internal hosts and paths); the live stream strips them the same way.
    return req.principal === PUBLIC_VIEWER ? withoutErrors(status) : status;
  });
  app.get("/api/v1/alerts", { config: { access: "read", doc: docs.alerts } }, async () => ({
    alerts: deps.detection.alerts(),
  }));
}

function withoutErrors(status: unknown): unknown {
  const s = status as { probes?: { last?: { error?: unknown } | null }[] };
  if (!Array.isArray(s.probes)) return status;
  return {
    ...s,
    probes: s.probes.map((p) => {
      if (!p.last || p.last.error === undefined) return p;
      const { error: _hidden, ...last } = p.last;
      return { ...p, last };
    }),
  };
}
