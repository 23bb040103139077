import type { z } from "zod";
import type { ErrorDetail } from "./errors.js";

/** Turns zod issues into details that name the field (`samples[3].value`) and what is wrong. */
export function zodDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path) || "(body)", message: issue.message }));
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}
