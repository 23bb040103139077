import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ServerDeps } from "../app.js";
import { parseInput } from "../validate.js";

const params = z.strictObject({ name: z.string().min(1).max(128) });
const KINDS = { "": "success", "/start": "start", "/fail": "fail" } as const;

/** Heartbeat pings (DESIGN §4): GET or POST, so a cron line can `curl` them. */
export function heartbeatRoutes(app: FastifyInstance, deps: Pick<ServerDeps, "detection">): void {
  for (const [suffix, kind] of Object.entries(KINDS)) {
    app.route({
      method: ["GET", "POST"],
      url: `/api/v1/heartbeats/:name${suffix}`,
      config: {
        access: "ingest",
        doc: {
          summary: `Heartbeat ping: ${kind} (GET or POST, for cron and curl)`,
          params,
          responses: { 200: "`{status, probe, kind}`" },
        },
      },
      handler: async (req) => {
        const { name } = parseInput(params, req.params, "path");
        deps.detection.heartbeat(name, kind);
        return { status: "ok", probe: name, kind };
      },
    });
  }
}
