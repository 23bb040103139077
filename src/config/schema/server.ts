import { z } from "zod";
import { SCOPES } from "../../core/principal.js";
import { parseByteSize } from "../duration.js";
import type { PolicyConfig, ServerConfig, TokenConfig } from "../types.js";
import { duration, httpUrl, parseHostPort, strict, text } from "./common.js";

export const DEFAULT_LISTEN = { host: "127.0.0.1", port: 8080 } as const;
const MIN_SECRET_LENGTH = 16;

/** `host:port`, `[::1]:8080`, `:8080` (every interface) or a bare port (loopback). */
export function parseListen(value: string | number): { host: string; port: number } {
  const s = String(value).trim();
  if (/^\d+$/.test(s)) {
    const port = Number(s);
    if (port >= 1 && port <= 65535) return { host: DEFAULT_LISTEN.host, port };
  }
  const hp = parseHostPort(s);
  if (!hp) {
    throw new Error(
      `invalid listen address ${JSON.stringify(value)} (expected host:port, [::1]:port or :port)`,
    );
  }
  return { host: hp.host === "" ? "0.0.0.0" : hp.host, port: hp.port };
}

const listen = () =>
  z
    .union([
      z.string().meta({ examples: ["127.0.0.1:8080", ":8080", "[::1]:8080"] }),
      z.number().int(),
      strict({ host: text(), port: z.number().int().min(1).max(65535) }),
    ])
    .transform((v, ctx) => {
      if (typeof v === "object") return v;
      try {
        return parseListen(v);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    });

const byteSize = () =>
  z.union([z.string().meta({ examples: ["1mb", "512kb"] }), z.number().int().min(1)]).transform((v, ctx) => {
    if (typeof v === "number") return v;
    try {
      return parseByteSize(v);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  });

export const tokenSchema = strict({
  name: text().meta({ description: "Who uses it; recorded as the actor in the audit trail" }),
  scopes: z
    .array(z.enum(SCOPES))
    .min(1, "a token needs at least one scope")
    .meta({ description: "admin includes every scope, operate includes read; ingest stands alone" }),
  secret: z.string().meta({
    description: "At least 16 characters; take it from an environment variable, never write it in the file",
  }),
}).superRefine((t, ctx) => {
  // Never echo the secret itself: these messages reach logs and terminals.
  if (t.secret === "") {
    ctx.addIssue({
      code: "custom",
      path: ["secret"],
      message: "secret is empty (is its environment variable set to an empty string?)",
    });
  } else if (t.secret.length < MIN_SECRET_LENGTH) {
    ctx.addIssue({
      code: "custom",
      path: ["secret"],
      message: `secret is too short (${t.secret.length} characters; use at least ${MIN_SECRET_LENGTH} so it cannot be guessed)`,
    });
  }
}) satisfies z.ZodType<TokenConfig>;

/**
 * Incident reporting deadlines (defaults after FedRAMP's incident communications procedure):
 * initial notice within 1 h of identification, an update every calendar day until resolved, a
 * final report within 7 days of resolution.
 */
const REPORTING_DEFAULTS = {
  initial: 60 * 60_000,
  daily_updates: true,
  final: 7 * 24 * 60 * 60_000,
  timezone: "UTC",
  severity: "page" as const,
};
const reportingSchema = strict({
  initial: duration()
    .default(REPORTING_DEFAULTS.initial)
    .meta({ description: "The initial notice is due this long after the incident opens" }),
  daily_updates: z
    .boolean()
    .default(true)
    .meta({ description: "An update is due every calendar day (in `timezone`) until resolved" }),
  final: duration()
    .default(REPORTING_DEFAULTS.final)
    .meta({ description: "The final report is due this long after the incident resolves" }),
  timezone: text()
    .default("UTC")
    .refine(isTimeZone, { message: "unknown time zone (use an IANA name such as America/New_York)" }),
  severity: z
    .enum(["info", "warning", "page", "legal"])
    .default("page")
    .meta({ description: "Of the built-in incident_reporting SLO that fires on a missed deadline" }),
  siren: text().optional().meta({ description: "Siren of that SLO; default none (board only)" }),
});

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const HOUR = 3_600_000;

/** The audit trail is never pruned (docs/audit.md): there is deliberately no retention key here. */
const auditSchema = strict({
  checkpoint_interval: duration()
    .default(HOUR)
    .refine((ms) => ms >= 1000 && ms <= 24 * HOUR, { message: "must be between 1s and 24h" })
    .meta({
      description:
        "How often the audit chain head is verified and signed (an Ed25519 checkpoint), even when idle; also at shutdown",
    }),
});

/** `data` stays as written here; the loader resolves it against the main file's directory. */
export const serverSchema = strict({
  listen: listen()
    .default({ ...DEFAULT_LISTEN })
    .meta({
      description:
        "Address of the API and board: host:port, :port (every interface) or a port; HMS_OPS_LISTEN overrides",
    }),
  url: httpUrl().optional().meta({ description: "Public base URL, for links in notifications and reports" }),
  data: text()
    .default("./data")
    .meta({ description: "Data directory (SQLite store, series, audit); relative to ops.yml" }),
  eval_interval: duration()
    .default(5_000)
    .meta({ description: "Rule evaluation tick (pushed samples are also evaluated as they arrive)" }),
  body_limit: byteSize()
    .default(1024 * 1024)
    .meta({ description: "Largest accepted request body, in bytes or with a unit" }),
  auth: strict({
    tokens: z.array(tokenSchema).default([]).meta({
      description: "Bearer tokens; with none, the server listens on loopback only and trusts local requests",
    }),
    public_board: z
      .boolean()
      .default(false)
      .meta({ description: "Board, status and /metrics readable without a token" }),
  }).default({ tokens: [], public_board: false }),
  incidents: strict({
    reopen_within: duration()
      .default(15 * 60_000)
      .meta({ description: "A re-fire of an SLO within this time after its incident resolved reopens it" }),
    reporting: reportingSchema.default(REPORTING_DEFAULTS),
  }).default({ reopen_within: 15 * 60_000, reporting: REPORTING_DEFAULTS }),
  secrets_file: text()
    .optional()
    .meta({ description: "YAML file of run-book secrets (NAME: value); must have mode 0600 or stricter" }),
  audit: auditSchema.default({ checkpoint_interval: HOUR }),
}) satisfies z.ZodType<ServerConfig>;

const policyAlertSchema = strict({
  severity: z.enum(["info", "warning", "page"]).optional().meta({ description: "Default warning" }),
  siren: text().optional().meta({ description: "Default none: the alert shows on the board only" }),
});

export const policySchema = strict({
  source: httpUrl().meta({
    description: 'URL whose GET returns JSON with at least {"id": "..."}: the live policy pack',
  }),
  interval: duration().default(30_000).meta({ description: "How often the source is read" }),
  approved: text().optional().meta({ description: "The approved pack id; a different live id is drift" }),
  drift: policyAlertSchema
    .optional()
    .meta({ description: "The built-in policy_drift SLO: the live pack differs from `approved`" }),
  source_down: policyAlertSchema
    .optional()
    .meta({ description: "The built-in policy_source_down SLO: the source fails for two intervals" }),
}) satisfies z.ZodType<PolicyConfig>;
