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
  server: serverSchema.optional(),
  policy: policySchema.optional(),
  probes: z.array(probeSchema).optional(),
  slos: slosSchema.optional(),
  sirens: sirensSchema.optional(),
  receivers: receiversSchema.optional(),
  runbooks: z.record(objectName(), runbookSchema).optional(),
  maintenance: z.array(maintenanceSchema).optional(),
});

export type FileData = z.output<typeof fileSchema>;

export const SECTION_NAMES: readonly string[] = Object.keys(fileSchema.shape);
