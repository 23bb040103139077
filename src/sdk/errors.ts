/** What the SDK throws: the server's stable error `code` (docs/errors.md), the HTTP status and the details. */
export interface ErrorDetail {
  path: string;
  message: string;
}

export class HmsOpsError extends Error {
  /** A code from docs/errors.md, e.g. `validation_failed`, `not_found`, `forbidden`, `server_unreachable`. */
  readonly code: string;
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  readonly details: ErrorDetail[];
  /** Whether sending the same request again later could succeed. */
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    code: string,
    message: string,
    o: {
      status: number;
      details?: ErrorDetail[];
      retryable?: boolean;
      retryAfterMs?: number;
      cause?: unknown;
    },
  ) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = "HmsOpsError";
    this.code = code;
    this.status = o.status;
    this.details = o.details ?? [];
    this.retryable = o.retryable ?? false;
    this.retryAfterMs = o.retryAfterMs;
  }
}
