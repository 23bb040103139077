import type { z } from "zod";
import { OpsError } from "../core/errors.js";
import { zodDetails } from "../core/zod-details.js";

/** Parses query strings, params or bodies with a zod schema; failures name each bad field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new OpsError("validation_failed", `invalid ${what}`, { details: zodDetails(parsed.error) });
}

/** A request body as an object to merge path parameters into; an absent body is `{}`. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === "") return {};
  if (typeof body !== "object" || Array.isArray(body)) {
    throw new OpsError("validation_failed", "invalid body", {
      details: [{ path: "", message: "expected a JSON object" }],
    });
  }
  return body as Record<string, unknown>;
}
