import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { perform } from "../../core/action.js";
import { OpsError } from "../../core/errors.js";
import { redact } from "../../core/redact.js";
import { type ProbeEntry, registerProbeAction, removeProbeAction } from "../../probes/index.js";
import type { ServerDeps } from "../app.js";
import { parseInput } from "../validate.js";

const nameParam = z.strictObject({ name: z.string().min(1).max(128) });

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

  app.get("/api/v1/probes", { config: { access: "read" } }, async () => ({
    probes: deps.probes.list().map(probeView),
  }));

  app.get("/api/v1/probes/:name", { config: { access: "read" } }, async (req) => {
    const { name } = parseInput(nameParam, req.params, "path");
    const probe = deps.probes.get(name);
    if (!probe) throw new OpsError("not_found", `no probe named "${name}"`);
    return probeView(probe);
  });

  app.post("/api/v1/probes", { config: { access: "admin" } }, async (req, reply) => {
    const entry = await perform(register, { ...deps.actions, actor: req.principal }, req.body);
    return reply.status(201).send(probeView(entry));
  });

  app.delete("/api/v1/probes/:name", { config: { access: "admin" } }, async (req) => {
    const { name } = parseInput(nameParam, req.params, "path");
    return perform(remove, { ...deps.actions, actor: req.principal }, { name });
  });
}
