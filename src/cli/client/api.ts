/**
 * The CLI's client for a running server (DESIGN §6 client commands): the SDK's transport, with
 * base URL and token from flags or HMS_OPS_URL / HMS_OPS_TOKEN. A server error keeps its code as
 * an OpsError, so the exit code follows the same catalogue as everywhere else.
 */
import { ERROR_CODES, type ErrorCode, OpsError } from "../../core/errors.js";
import { HmsOpsError } from "../../sdk/errors.js";
import { Transport } from "../../sdk/transport.js";

export interface ClientFlags {
  url?: string;
  token?: string;
}

export { DEFAULT_URL } from "../../sdk/transport.js";

export class ApiClient {
  private readonly transport: Transport;

  constructor(flags: ClientFlags, env: Record<string, string | undefined> = process.env) {
    this.transport = new Transport(
      {
        ...(flags.url ? { url: flags.url } : {}),
        ...(flags.token ? { token: flags.token } : {}),
        retries: 2,
      },
      env,
    );
  }

  get base(): string {
    return this.transport.baseUrl;
  }

  get<T>(path: string): Promise<T> {
    return this.call(() => this.transport.request<T>("GET", path));
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call(() => this.transport.request<T>("POST", path, { body }));
  }

  delete<T>(path: string): Promise<T> {
    return this.call(() => this.transport.request<T>("DELETE", path));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof HmsOpsError)) throw err;
      const code: ErrorCode = err.code in ERROR_CODES ? (err.code as ErrorCode) : "internal";
      throw new OpsError(code, err.message, {
        ...(err.details.length ? { details: err.details } : {}),
        cause: err,
      });
    }
  }
}
