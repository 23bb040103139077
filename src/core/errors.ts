/**
 * The one error type of HMS-OPS. Every failure a user can see carries a stable `code` from the
 * catalogue below; transports map codes to HTTP statuses (src/server/errors.ts) or exit codes
 * (src/cli/main.ts) in exactly one place each. docs/errors.md lists the same codes (checked by a test).
 */
export const ERROR_CODES = {
  bad_request: "The request is malformed (body, query or path).",
  validation_failed: "Input failed validation; `details` names each field and what is wrong.",
  config_invalid: "The configuration file is invalid; `details` lists file:line:col, key path and message.",
  unauthenticated: "No valid bearer token was presented.",
  forbidden: "The token is valid but lacks the scope this route needs.",
  not_found: "No such resource.",
  conflict: "The request conflicts with existing state (duplicate name, object owned by ops.yml, ...).",
  payload_too_large: "The request body exceeds the configured limit.",
  unsupported_media_type: "The request body must be JSON.",
  rate_limited: "Too many requests; retry later.",
  store_unavailable: "The data store could not be reached or failed.",
  audit_tampered: "The audit trail failed verification.",
  audit_key_unusable:
    "The audit signing key is unreadable, not Ed25519, or open to group/others (must be 0600).",
  unsafe_listen: "Refusing to listen beyond loopback without any token configured.",
  server_unreachable: "A CLI client command could not reach the HMS-OPS server (check --url / HMS_OPS_URL).",
  internal: "An unexpected internal error (details are in the server log, never in the reply).",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem inside a failed validation, pointing at where it is. */
export interface ErrorDetail {
  /** Where: a key path (`probes[3].interval`), `file:line:col`, or a field name. */
  path: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

export class OpsError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;

  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetail[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OpsError";
    this.code = code;
    this.details = options.details;
  }
}

export function isOpsError(err: unknown): err is OpsError {
  return err instanceof OpsError;
}
