/** DESIGN §4 `GET/POST/DELETE /api/v1/silences`: list and read (read), create and expire (operate). */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ActionDeps } from "../../core/action.js";
import { perform } from "../../core/action.js";
import { OpsError } from "../../core/errors.js";
import {
  createSilenceAction,
  expireSilenceAction,
  SILENCE_STATES,
  type SilenceStore,
  silenceView,
} from "../../silences/index.js";
import type { RouteDoc } from "../route-docs.js";
import { parseInput } from "../validate.js";

const idParam = z.strictObject({ id: z.string().min(1).max(64) });
const listQuery = z.strictObject({
  state: z.enum(SILENCE_STATES as [string, ...string[]]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** For the OpenAPI document (src/server/route-docs.ts). */
const docs = {
  list: { summary: "List silences", query: listQuery, responses: { 200: "`{silences}`" } },
  get: { summary: "One silence", params: idParam, responses: { 200: "the silence" } },
  create: {
    summary: "Create a silence (audited)",
    description: "Times are ISO 8601 with a zone or epoch ms; `duration` (`30m`, `2h`) instead of `endsAt`.",
    responses: { 201: "the silence" },
  },
  expire: {
    summary: "Expire a silence now (audited)",
    params: idParam,
    responses: { 200: "the expired silence" },
  },
} satisfies Record<string, RouteDoc>;

export function silenceRoutes(
  app: FastifyInstance,
  deps: { silences: SilenceStore; actions: ActionDeps },
): void {
  const create = createSilenceAction();
  const expire = expireSilenceAction();
  const now = () => deps.actions.clock.now();

  app.get("/api/v1/silences", { config: { access: "read", doc: docs.list } }, async (req) => {
    const q = parseInput(listQuery, req.query, "query");
    const list = await deps.silences.list({
      ...(q.state ? { state: q.state as "active" | "pending" | "expired" } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    const at = now();
    return { silences: list.map((s) => silenceView(s, at)) };
  });

  app.get("/api/v1/silences/:id", { config: { access: "read", doc: docs.get } }, async (req) => {
    const { id } = parseInput(idParam, req.params, "path");
    const silence = await deps.silences.get(id);
    if (!silence) throw new OpsError("not_found", `no silence with id "${id}"`);
    return silenceView(silence, now());
  });

  const createDoc = { ...docs.create, body: create.input };
  app.post("/api/v1/silences", { config: { access: "operate", doc: createDoc } }, async (req, reply) => {
    const silence = await perform(create, { ...deps.actions, actor: req.principal }, req.body);
    return reply.status(201).send(silenceView(silence, now()));
  });

  app.delete("/api/v1/silences/:id", { config: { access: "operate", doc: docs.expire } }, async (req) => {
    const { id } = parseInput(idParam, req.params, "path");
    const silence = await perform(expire, { ...deps.actions, actor: req.principal }, { id });
    return silenceView(silence, now());
  });
}
