/**
 * The one place where error codes become HTTP replies. Clients get `{error:{code,message,details?}}`,
 * never a stack trace; unexpected errors are logged in full and answered as `internal`.
 */
import type { FastifyError, FastifyInstance } from "fastify";
import { type ErrorCode, OpsError } from "../core/errors.js";

export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  config_invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  store_unavailable: 503,
  audit_tampered: 500,
  audit_key_unusable: 500,
  unsafe_listen: 500,
  server_unreachable: 502,
  internal: 500,
};

/** Fastify's own error codes that are the client's fault, mapped onto the catalogue. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "bad_request",
  FST_ERR_CTP_EMPTY_JSON_BODY: "bad_request",
  FST_ERR_CTP_INVALID_JSON_BODY: "bad_request",
  FST_ERR_VALIDATION: "validation_failed",
};

export function toOpsError(err: unknown): OpsError {
  if (err instanceof OpsError) return err;
  const fe = err as Partial<FastifyError> & { message?: string };
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return new OpsError(mapped, fe.message ?? mapped, { cause: err });
  if (err instanceof SyntaxError && (fe.statusCode ?? 0) === 400) {
    return new OpsError("bad_request", `body is not valid JSON: ${err.message}`, { cause: err });
  }
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new OpsError("bad_request", fe.message ?? "bad request", { cause: err });
  }
  return new OpsError("internal", "internal error", { cause: err });
}

export function errorBody(err: OpsError): { error: { code: string; message: string; details?: unknown } } {
  return {
    error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
  };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const ops = toOpsError(err);
    const status = HTTP_STATUS[ops.code];
    if (status >= 500) req.log.error({ err }, "request failed");
    else req.log.debug({ code: ops.code, msg: ops.message }, "request refused");
    void reply.status(status).send(errorBody(ops));
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send(errorBody(new OpsError("not_found", `no route ${req.method} ${req.url.split("?")[0]}`)));
  });
}
