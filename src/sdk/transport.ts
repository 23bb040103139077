/**
 * The SDK's HTTP transport: JSON in and out, bearer token, a timeout per request, and retries only
 * where a retry cannot do harm — reads, and writes the server treats as idempotent — on network
 * errors, 429 and 502/503/504, with capped exponential back-off honouring Retry-After.
 */
import { HmsOpsError } from "./errors.js";

export interface TransportOptions {
  /** Base URL of the server. Default: env HMS_OPS_URL, else http://127.0.0.1:8080. */
  url?: string;
  /** Bearer token. Default: env HMS_OPS_TOKEN. */
  token?: string;
  /** Per request. Default 30 s. */
  timeoutMs?: number;
  /** Attempts for retryable requests. Default 3. */
  retries?: number;
  /** For tests and custom agents. Default: global fetch. */
  fetch?: typeof fetch;
}

export const DEFAULT_URL = "http://127.0.0.1:8080";
const RETRY_STATUS = new Set([429, 502, 503, 504]);

export interface RequestOptions {
  body?: unknown;
  /** Safe to send again after a failure whose outcome is unknown. */
  idempotent?: boolean;
}

export class Transport {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly doFetch: typeof fetch;

  constructor(o: TransportOptions = {}, env: Record<string, string | undefined> = process.env) {
    this.baseUrl = (o.url ?? env.HMS_OPS_URL ?? DEFAULT_URL).replace(/\/+$/, "");
    this.token = o.token ?? env.HMS_OPS_TOKEN;
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.retries = Math.max(1, o.retries ?? 3);
    this.doFetch = o.fetch ?? fetch;
  }

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const idempotent = o.idempotent ?? (method === "GET" || method === "DELETE");
    const attempts = idempotent ? this.retries : 1;
    let last: HmsOpsError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        return await this.once<T>(method, path, o.body);
      } catch (err) {
        if (!(err instanceof HmsOpsError) || !err.retryable || attempt === attempts) throw err;
        last = err;
        await sleep(Math.min(err.retryAfterMs ?? 200 * 2 ** (attempt - 1), 5_000));
      }
    }
    throw last ?? new HmsOpsError("internal", `${method} ${path} failed`, { status: 0 });
  }

  private async once<T>(method: string, path: string, body: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.doFetch(this.baseUrl + path, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause =
        err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw new HmsOpsError("server_unreachable", `cannot reach ${this.baseUrl}: ${cause}`, {
        status: 0,
        retryable: true,
        cause: err,
      });
    }
    const text = await res.text();
    const parsed = parseJson(text);
    if (res.ok) return parsed as T;
    const error = (parsed as { error?: { code?: string; message?: string; details?: unknown[] } } | undefined)
      ?.error;
    const retryAfter = Number(res.headers.get("retry-after"));
    throw new HmsOpsError(
      error?.code ?? "internal",
      `${error?.message ?? `HTTP ${res.status}`} (${method} ${path})`,
      {
        status: res.status,
        retryable: RETRY_STATUS.has(res.status),
        ...(error?.details ? { details: error.details as HmsOpsError["details"] } : {}),
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      },
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
