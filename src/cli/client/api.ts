/**
 * The CLI's HTTP client for a running server (DESIGN §6 client commands): base URL and token from
 * flags or HMS_OPS_URL / HMS_OPS_TOKEN. A server error keeps its code, so the exit code follows
 * the same catalogue as everywhere else.
 */
import { ERROR_CODES, type ErrorCode, type ErrorDetail, OpsError } from "../../core/errors.js";

export interface ClientFlags {
  url?: string;
  token?: string;
}

export const DEFAULT_URL = "http://127.0.0.1:8080";

export class ApiClient {
  readonly base: string;
  private readonly token: string | undefined;

  constructor(flags: ClientFlags, env: Record<string, string | undefined> = process.env) {
    this.base = (flags.url ?? env.HMS_OPS_URL ?? DEFAULT_URL).replace(/\/+$/, "");
    this.token = flags.token ?? env.HMS_OPS_TOKEN;
  }

  async get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  async post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>("POST", path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      const cause =
        err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw new OpsError("server_unreachable", `cannot reach ${this.base}: ${cause}`, { cause: err });
    }
    const text = await res.text();
    const parsed = parse(text);
    if (res.ok) return parsed as T;
    const error = (
      parsed as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined
    )?.error;
    const code: ErrorCode = error?.code && error.code in ERROR_CODES ? (error.code as ErrorCode) : "internal";
    throw new OpsError(code, `${error?.message ?? `HTTP ${res.status}`} (${method} ${path})`, {
      ...(error?.details ? { details: error.details } : {}),
    });
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
