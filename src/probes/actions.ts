/** Run-time probe registration (DESIGN §4 `POST/DELETE /api/v1/probes`), persisted and audited. */
import { z } from "zod";
import { type ProbeConfig, probeSchema } from "../config/index.js";
import { defineAction } from "../core/action.js";
import { OpsError } from "../core/errors.js";
import type { ProbeCatalog, ProbeEntry } from "./catalog.js";

export function registerProbeAction(catalog: ProbeCatalog) {
  return defineAction<ProbeConfig, ProbeEntry>({
    name: "probe.register",
    scope: "admin",
    input: probeSchema as unknown as z.ZodType<ProbeConfig>,
    async run({ ctx, input, tx }) {
      const existing = catalog.get(input.name);
      if (existing?.source === "config") {
        throw new OpsError("conflict", `probe "${input.name}" is defined in ops.yml; change it there`);
      }
      const row = await tx.get("SELECT name FROM api_probes WHERE name = ?", [input.name]);
      if (row) throw new OpsError("conflict", `probe "${input.name}" already exists; delete it first`);
      const now = ctx.clock.now();
      await tx.run("INSERT INTO api_probes (name, spec, created_at, created_by) VALUES (?, ?, ?, ?)", [
        input.name,
        JSON.stringify(input),
        now,
        ctx.actor.name,
      ]);
      // The catalog itself is refreshed after commit, from the bus event (on every node).
      return {
        result: { name: input.name, source: "api", spec: input, createdBy: ctx.actor.name, createdAt: now },
        audit: { action: "probe.register", subject: `probe:${input.name}`, data: { spec: input } },
        events: [{ topic: "probes.changed", event: { name: input.name, op: "registered" } }],
      };
    },
  });
}

export function removeProbeAction(catalog: ProbeCatalog) {
  return defineAction<{ name: string }, { removed: string }>({
    name: "probe.remove",
    scope: "admin",
    input: z.strictObject({ name: z.string().min(1) }),
    async run({ input, tx }) {
      if (catalog.get(input.name)?.source === "config") {
        throw new OpsError("conflict", `probe "${input.name}" is defined in ops.yml; remove it there`);
      }
      const row = await tx.get<{ spec: string }>("SELECT spec FROM api_probes WHERE name = ?", [input.name]);
      if (!row) throw new OpsError("not_found", `no probe named "${input.name}"`);
      await tx.run("DELETE FROM api_probes WHERE name = ?", [input.name]);
      return {
        result: { removed: input.name },
        audit: {
          action: "probe.remove",
          subject: `probe:${input.name}`,
          data: { spec: JSON.parse(row.spec) },
        },
        events: [{ topic: "probes.changed", event: { name: input.name, op: "removed" } }],
      };
    },
  });
}
