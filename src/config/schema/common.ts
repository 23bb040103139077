/**
 * Building blocks shared by every section schema. Each one validates the input shape (what the
 * JSON Schema for editors describes) and transforms it to the normalized form in ../types.ts.
 */
import { z } from "zod";
import { DURATION_HINT, DURATION_PATTERN, parseDuration } from "../duration.js";
import { didYouMean, nearest } from "../suggest.js";

/**
 * Schemas are immutable, so each building block below is built once and shared by every field that
 * uses it: building zod schemas is not free, and this keeps loading the module (which every
 * `hms-ops validate` pays for) short.
 */
export function once<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => {
    built ??= build();
    return built;
  };
}

/** Unknown-key messages for one object are joined with this, one fragment per key, in key order. */
export const KEY_MESSAGE_SEPARATOR = "; ";

export function unknownKeyMessage(key: string, known: readonly string[]): string {
  return `unknown key \`${key}\`${didYouMean(key, known)}`;
}

/** A strict object whose unknown-key error suggests the nearest valid key. */
export function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? iss.keys.map((k) => unknownKeyMessage(k, known)).join(KEY_MESSAGE_SEPARATOR)
        : undefined,
  });
}

export const text = once(() => z.string().min(1, "must not be empty"));

/** Milliseconds from `30s`-style text, or a number that already is milliseconds. */
export function duration(opts: { zero?: boolean } = {}) {
  return opts.zero ? durationOrZero() : positiveDuration();
}

const buildDuration = (zero: boolean) =>
  z
    .union([z.string().meta({ pattern: DURATION_PATTERN }), z.number()], {
      error: "expected a duration such as 30s, 5m or 2h",
    })
    .meta({ description: `duration (${DURATION_HINT}), or a number of milliseconds` })
    .transform((v, ctx) => {
      let ms: number;
      if (typeof v === "number") {
        if (!Number.isSafeInteger(v) || v < 0) {
          ctx.addIssue({ code: "custom", message: `invalid duration ${v} (a number is whole milliseconds)` });
          return z.NEVER;
        }
        ms = v;
      } else {
        try {
          ms = parseDuration(v);
        } catch (err) {
          ctx.addIssue({ code: "custom", message: (err as Error).message });
          return z.NEVER;
        }
      }
      if (ms === 0 && !zero) {
        ctx.addIssue({ code: "custom", message: "must be longer than 0" });
        return z.NEVER;
      }
      return ms;
    });
const positiveDuration = once(() => buildDuration(false));
const durationOrZero = once(() => buildDuration(true));

const NAME = /^[A-Za-z0-9_.-]+$/;

/** Probe, SLO and window names: they appear in URLs and metric labels. */
export const objectName = once(() =>
  z
    .string()
    .min(1, "must not be empty")
    .max(128, "must be at most 128 characters")
    .regex(NAME, {
      error: (iss) => `invalid name ${JSON.stringify(iss.input)} (use letters, digits, _ . -)`,
    }),
);

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const labelMap = once(() =>
  z.record(
    z.string().regex(LABEL, {
      error: (iss) =>
        `invalid label name ${JSON.stringify(iss.input)} (letters, digits and _, not starting with a digit)`,
    }),
    z.string(),
  ),
);

export const stringMap = once(() => z.record(z.string(), z.string()));

function isUrl(value: string, protocols: readonly string[]): boolean {
  try {
    const u = new URL(value);
    return protocols.includes(u.protocol) && u.hostname !== "";
  } catch {
    return false;
  }
}

export const httpUrl = once(() =>
  z
    .string()
    .meta({ format: "uri" })
    .refine((v) => isUrl(v, ["http:", "https:"]), {
      error: (iss) => `invalid URL ${JSON.stringify(iss.input)} (expected http:// or https://)`,
    }),
);

export const smtpUrl = once(() =>
  z
    .string()
    .meta({ format: "uri" })
    .refine((v) => isUrl(v, ["smtp:", "smtps:"]), {
      error: (iss) => `invalid SMTP URL ${JSON.stringify(iss.input)} (expected smtp:// or smtps://)`,
    }),
);

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

export const email = once(() =>
  z.string().regex(EMAIL, { error: (iss) => `invalid email address ${JSON.stringify(iss.input)}` }),
);

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** A request body: raw text, or a JSON mapping/list sent as application/json. */
export const requestBody = once(() =>
  z.union([z.string(), z.record(z.string(), z.json()), z.array(z.json())]),
);

const statusCode = () => z.number().int().min(100, "not an HTTP status").max(599, "not an HTTP status");

/** `200` or `[200, 204]`, always a list afterwards. */
export const statusList = once(() =>
  z.union([statusCode(), z.array(statusCode()).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
);

/** `host:port`, `[::1]:8080`; an empty host is allowed only where the caller supplies one. */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(value.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? "", port };
}

export const hostPort = once(() =>
  z.string().refine((v) => Boolean(parseHostPort(v)?.host), {
    error: (iss) => `invalid address ${JSON.stringify(iss.input)} (expected host:port)`,
  }),
);

/** The error map of a `type`-discriminated union: names the valid types and the nearest one. */
export function discriminatorError(kind: string, types: readonly string[]) {
  return (iss: { code?: string; input?: unknown }): string | undefined => {
    if (iss.code !== "invalid_union") return undefined;
    const type =
      iss.input && typeof iss.input === "object" ? (iss.input as { type?: unknown }).type : undefined;
    if (type === undefined) return `missing required key \`type\` (one of ${types.join(", ")})`;
    const near = typeof type === "string" ? nearest(type, types) : undefined;
    const hint = near === undefined ? "" : `did you mean \`${near}\`? `;
    return `unknown ${kind} type ${JSON.stringify(type)} (${hint}expected one of ${types.join(", ")})`;
  };
}
