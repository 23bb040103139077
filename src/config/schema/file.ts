/** One config file: ops.yml itself, or any file it includes. */
import { z } from "zod";
import { objectName, strict } from "./common.js";
import { maintenanceSchema } from "./maintenance.js";
import { receiversSchema, sirensSchema } from "./notify.js";
import { probeSchema } from "./probes.js";
import { runbookSchema } from "./runbooks.js";
import { policySchema, serverSchema } from "./server.js";
import { slosSchema } from "./slos.js";

export const fileSchema = strict({
  include: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .meta({ description: "More config files to merge, as globs relative to this file (e.g. rules/*.yml)" }),
  server: serverSchema
    .optional()
    .meta({ description: "Where and how HMS-OPS listens, stores and authenticates" }),
  policy: policySchema
    .optional()
    .meta({ description: "The policy pack to watch: its live id, the approved id, and alerts on drift" }),
  probes: z
    .array(probeSchema)
    .optional()
    .meta({ description: "What is measured: active checks (http, tcp), pushed samples, heartbeats, bias" }),
  slos: slosSchema.optional().meta({
    description: "When a probe's figures are a breach: a threshold (`when`) or an error budget (`objective`)",
  }),
  sirens: sirensSchema
    .optional()
    .meta({ description: "Who is told when an SLO fires: receivers, repeats and escalation, by siren name" }),
  receivers: receiversSchema
    .optional()
    .meta({ description: "Where notifications go (webhook, pagerduty, slack, email), by receiver name" }),
  runbooks: z
    .record(objectName(), runbookSchema)
    .optional()
    .meta({ description: "Automated responses an SLO can start, by run-book name (docs/runbooks-steps.md)" }),
  maintenance: z.array(maintenanceSchema).optional().meta({
    description: "Windows in which matching alerts notify nobody (docs/maintenance-and-silences.md)",
  }),
});

export type FileData = z.output<typeof fileSchema>;

export const SECTION_NAMES: readonly string[] = Object.keys(fileSchema.shape);
