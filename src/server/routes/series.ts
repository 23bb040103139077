import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ServerDeps } from "../app.js";
import type { RouteDoc } from "../route-docs.js";
import { parseInput } from "../validate.js";

const time = z
  .union([z.coerce.number().int().nonnegative(), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === "number" ? v : Date.parse(v)));

const query = z
  .strictObject({
    metric: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_.:]*$/, "invalid metric name"),
    probe: z.string().min(1).optional(),
    from: time.optional(),
    to: time.optional(),
    step: z.coerce.number().int().min(1000).optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    message: "`from` must not be after `to`",
    path: ["from"],
  });

/** For the OpenAPI document (src/server/route-docs.ts). */
const doc: RouteDoc = {
  summary: "Points for charts (default: the last hour)",
  query,
  responses: { 200: "`{metric, from, to, series}`" },
};

/** Points for charts: `GET /api/v1/series?metric=&probe=&from=&to=&step=` (default: the last hour). */
export function seriesRoutes(app: FastifyInstance, deps: Pick<ServerDeps, "detection" | "actions">): void {
  app.get("/api/v1/series", { config: { access: "read", doc } }, async (req) => {
    const q = parseInput(query, req.query, "query");
    const to = q.to ?? deps.actions.clock.now();
    const from = q.from ?? to - 3_600_000;
    const series = await deps.detection.series.range({
      metric: q.metric,
      from,
      to,
      ...(q.probe ? { match: { probe: q.probe } } : {}),
      ...(q.step ? { step: q.step } : {}),
    });
    return { metric: q.metric, from, to, series };
  });
}
