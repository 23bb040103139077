import { z } from "zod";
import { fileSchema } from "./schema/file.js";

let cached: Record<string, unknown> | undefined;

/**
 * JSON Schema (draft 2020-12) of what may be written in ops.yml, generated from the same zod schema
 * that validates it, so editors autocomplete exactly what the loader accepts. Built on first use.
 */
export function configJsonSchema(): Record<string, unknown> {
  cached ??= {
    ...z.toJSONSchema(fileSchema, { target: "draft-2020-12", io: "input", unrepresentable: "any" }),
    title: "HMS-OPS configuration (ops.yml)",
  };
  return structuredClone(cached);
}
