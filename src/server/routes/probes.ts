import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { perform } from "../../core/action.js";
import { OpsError } from "../../core/errors.js";
import { redact } from "../../core/redact.js";
import { type ProbeEntry, registerProbeAction, removeProbeAction } from "../../probes/index.js";
import type { ServerDeps } from "../app.js";
import type { RouteDoc } from "../route-docs.js";
import { parseInput } from "../validate.js";

const nameParam = z.strictObject({ name: z.string().min(1).max(128) });

/** For the OpenAPI document (src/server/route-docs.ts). */
const docs = {
  list: {
    summary: "List probes (from ops.yml and registered at run time)",
    responses: { 200: "`{probes}`" },
  },
  get: { summary: "One probe", params: nameParam, responses: { 200: "the probe (secrets redacted)" } },
  register: {
    summary: "Register a probe at run time (persisted, audited)",
    description: "Takes the same keys as a probe in ops.yml (docs/config-reference.md, `probes`).",
    responses: { 201: "the registered probe" },
    errors: ["conflict"],
  },
  remove: {
    summary: "Remove a probe registered at run time",
    params: nameParam,
    responses: { 200: "`{removed}`" },
  },
} satisfies Record<string, RouteDoc>;

export function probeView(p: ProbeEntry) {
  return {
    name: p.name,
    type: p.spec.type,
    source: p.source,
    spec: redact(p.spec),
    ...(p.createdBy ? { createdBy: p.createdBy, createdAt: new Date(p.createdAt ?? 0).toISOString() } : {}),
  };
}

export function probeRoutes(app: FastifyInstance, deps: Pick<ServerDeps, "probes" | "actions">): void {
  const register = registerProbeAction(deps.probes);
  const remove = removeProbeAction(deps.probes);

  app.get("/api/v1/probes", { config: { access: "read", doc: docs.list } }, async () => ({
    probes: deps.probes.list().map(probeView),
  }));

  app.get("/api/v1/probes/:name", { config: { access: "read", doc: docs.get } }, async (req) => {
    const { name } = parseInput(nameParam, req.params, "path");
    const probe = deps.probes.get(name);
    if (!probe) throw new OpsError("not_found", `no probe named "${name}"`);
    return probeView(probe);
  });

  const registerDoc = { ...docs.register, body: register.input };
  app.post("/api/v1/probes", { config: { access: "admin", doc: registerDoc } }, async (req, reply) => {
    const entry = await perform(register, { ...deps.actions, actor: req.principal }, req.body);
    return reply.status(201).send(probeView(entry));
  });

  app.delete("/api/v1/probes/:name", { config: { access: "admin", doc: docs.remove } }, async (req) => {
    const { name } = parseInput(nameParam, req.params, "path");
    return perform(remove, { ...deps.actions, actor: req.principal }, { name });
  });
}
