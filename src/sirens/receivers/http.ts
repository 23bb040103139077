/**
 * HTTP delivery shared by the HTTP-based receiver kinds (webhook now; PagerDuty and Slack next):
 * classification of answers, `Retry-After`, credentials moved out of the URL, scrubbed errors.
 */
import http from "node:http";
import https from "node:https";
import { scrub } from "./scrub.js";
import type { SendContext, SendResult } from "./types.js";

/** How much of an error answer's body is quoted in the error (receivers often say why there). */
const BODY_EXCERPT = 200;
/** A `Retry-After` beyond this is treated as this: one hour. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

export interface HttpDelivery {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Values to scrub from errors, besides the URL's own credentials. */
  secrets: readonly string[];
  /** What the logs and errors call the target. */
  label: string;
}

/** 408, 429 and 5xx may succeed later; any other non-2xx answer will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** `Retry-After` as delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

/**
 * `http://user:pass@host/x` → the URL without them and a Basic `Authorization` header, so the
 * credentials never travel in a URL that an error message could quote.
 */
export function splitCredentials(raw: string): { url: string; authorization?: string; secrets: string[] } {
  const u = new URL(raw);
  if (!u.username && !u.password) return { url: raw, secrets: [] };
  const encoded = [u.username, u.password];
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  u.username = "";
  u.password = "";
  const token = Buffer.from(`${user}:${pass}`).toString("base64");
  return {
    url: u.toString(),
    authorization: `Basic ${token}`,
    secrets: [user, pass, ...encoded, token].filter((s) => s.length > 0),
  };
}

/** POSTs once; never throws. */
export async function postJson(d: HttpDelivery, ctx: SendContext = {}): Promise<SendResult> {
  const now = ctx.now ?? Date.now;
  let target: ReturnType<typeof splitCredentials>;
  try {
    target = splitCredentials(d.url);
  } catch {
    return { ok: false, retryable: false, error: `${d.label}: invalid URL` };
  }
  const secrets = [...d.secrets, ...target.secrets];
  const headers: Record<string, string> = { ...d.headers };
  if (target.authorization && !hasHeader(headers, "authorization"))
    headers.authorization = target.authorization;
  const fail = (retryable: boolean, error: string, extra: Partial<SendResult> = {}): SendResult => {
    const result = { ok: false as const, retryable, error: scrub(`${d.label}: ${error}`, secrets), ...extra };
    ctx.logger?.debug({ receiver: d.label, retryable, error: result.error }, "notification not delivered");
    return result;
  };

  const started = now();
  const signal = AbortSignal.timeout(d.timeoutMs);
  let res: Answer;
  try {
    res = await post(new URL(target.url), headers, d.body, signal);
  } catch (err) {
    return fail(true, signal.aborted ? `timed out after ${d.timeoutMs} ms` : describeNetworkError(err));
  }
  if (res.status >= 200 && res.status < 300) {
    ctx.logger?.debug(
      { receiver: d.label, status: res.status, ms: now() - started },
      "notification delivered",
    );
    return { ok: true, status: res.status };
  }
  const retryable = isRetryableStatus(res.status);
  const retryAfterMs = retryable ? parseRetryAfter(res.retryAfter, now()) : undefined;
  const why = res.status >= 300 && res.status < 400 ? " (redirects are not followed)" : "";
  const error = `HTTP ${res.status}${why}${res.excerpt ? `: ${res.excerpt}` : ""}`;
  return fail(retryable, error, {
    status: res.status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

interface Answer {
  status: number;
  retryAfter: string | null;
  /** The start of the body, whitespace folded. */
  excerpt: string;
}

/**
 * Keep-alive agents shared by every HTTP receiver, so pages to one endpoint reuse a connection.
 * node:http rather than fetch: several times the throughput, and it follows no redirects.
 */
const AGENTS = {
  http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

function post(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<Answer> {
  const payload = Buffer.from(body);
  const secure = url.protocol === "https:";
  const options: http.RequestOptions = {
    method: "POST",
    headers: { ...headers, "content-length": String(payload.length) },
    agent: secure ? AGENTS.https : AGENTS.http,
    signal,
  };
  return new Promise<Answer>((resolve, reject) => {
    const onAnswer = (res: http.IncomingMessage) => {
      let text = "";
      res.setEncoding("utf8");
      // Read to the end, so the connection can be reused, but keep only the start.
      res.on("data", (chunk: string) => {
        if (text.length < BODY_EXCERPT * 4) text += chunk;
      });
      res.on("error", reject);
      res.on("end", () => {
        const flat = text.replace(/\s+/g, " ").trim();
        const retryAfter = res.headers["retry-after"];
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: typeof retryAfter === "string" ? retryAfter : null,
          excerpt: flat.length > BODY_EXCERPT ? `${flat.slice(0, BODY_EXCERPT)}…` : flat,
        });
      });
    };
    const req = secure ? https.request(url, options, onAnswer) : http.request(url, options, onAnswer);
    req.on("error", reject);
    req.end(payload);
  });
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

/** The error code alone where there is one: messages can quote hosts and paths. */
function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code === "string") return `request failed (${e.code})`;
  return `request failed: ${e?.message ?? String(err)}`;
}
