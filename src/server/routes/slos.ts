import type { FastifyInstance } from "fastify";
import { OpsError } from "../../core/errors.js";
import type { ServerDeps } from "../app.js";

/**
 * `GET /api/v1/slos/:name/budget`: an objective SLO's error budget and burn rates (see
 * docs/objective-slos.md). 404 for an unknown SLO or a threshold SLO (it has no budget).
 */
export function sloRoutes(app: FastifyInstance, deps: Pick<ServerDeps, "detection">): void {
  app.get<{ Params: { name: string } }>(
    "/api/v1/slos/:name/budget",
    {
      config: {
        access: "read",
        doc: {
          summary: "An objective SLO's error budget and burn rates",
          responses: { 200: "the budget view" },
          errors: ["not_found"],
        },
      },
    },
    async (req) => {
      const view = deps.detection.sloBudget?.(req.params.name);
      if (view === undefined) {
        throw new OpsError("not_found", `no objective SLO ${JSON.stringify(req.params.name)}`);
      }
      return view;
    },
  );
}
