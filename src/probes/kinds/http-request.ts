/**
 * The request an http probe sends, prepared once per (frozen) config object and reused on every
 * run: the URL parsed, headers merged, a JSON body serialized. Redirect hops derive from it.
 */
import type { HttpProbeConfig } from "../../config/index.js";

export interface HttpRequestSpec {
  url: URL;
  method: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer | undefined;
}

export const USER_AGENT = "hms-ops-probe/0.1";

const prepared = new WeakMap<HttpProbeConfig, HttpRequestSpec>();

export function requestFor(config: HttpProbeConfig): HttpRequestSpec {
  let spec = prepared.get(config);
  if (!spec) {
    spec = prepare(config);
    prepared.set(config, spec);
  }
  return spec;
}

function prepare(config: HttpProbeConfig): HttpRequestSpec {
  const headers: Record<string, string> = { "user-agent": USER_AGENT };
  for (const [name, value] of Object.entries(config.headers ?? {})) headers[name.toLowerCase()] = value;
  let body: Buffer | undefined;
  if (typeof config.body === "string") {
    body = Buffer.from(config.body);
  } else if (config.body !== undefined) {
    // A mapping or list is sent as JSON (DESIGN §3), unless the probe names its own content type.
    body = Buffer.from(JSON.stringify(config.body));
    headers["content-type"] ??= "application/json";
  }
  if (body) headers["content-length"] = String(body.length);
  return { url: new URL(config.target), method: config.method, headers, body };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function isRedirect(status: number): boolean {
  return REDIRECTS.has(status);
}

/**
 * The request for the next hop of a redirect, as browsers and fetch do it: 303 (and 301/302 after
 * a POST) become a GET without a body; 307/308 repeat the method and body. Credentials are not
 * carried to another origin.
 */
export function redirectRequest(from: HttpRequestSpec, status: number, location: string): HttpRequestSpec {
  const url = new URL(location, from.url);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`redirect to unsupported URL ${JSON.stringify(url.href)}`);
  }
  const headers = { ...from.headers };
  if (url.origin !== from.url.origin) {
    delete headers.authorization;
    delete headers.cookie;
  }
  const toGet =
    status === 303 ? from.method !== "HEAD" : (status === 301 || status === 302) && from.method === "POST";
  if (!toGet) return { url, method: from.method, headers, body: from.body };
  delete headers["content-length"];
  delete headers["content-type"];
  return { url, method: "GET", headers, body: undefined };
}
