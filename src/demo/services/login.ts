/**
 * The simulated IRS login endpoint (seed 004's Tax-Day night). It answers in about 90 ms until
 * `slowAt`, then slows by 12 ms per story second up to 400 ms, until a cache node is added
 * through the admin endpoint.
 *
 *   GET  /login  → 200 "ok" after the current latency
 *   POST /scale  → 202 {"cache_nodes": 2}    (the run-book's http step)
 */
import type { StoryClock } from "../story-clock.js";
import { type Listening, listenLoopback, readBody, sendJson } from "./http.js";

const BASE_MS = 90;
const CLIMB_MS_PER_SECOND = 12;
const CAP_MS = 400;

export interface LoginService extends Listening {
  latencyMs(): number;
  readonly cacheNodes: number;
  onScale(listener: () => void): void;
}

export async function startLoginService(clock: StoryClock, slowAt: number): Promise<LoginService> {
  let cacheNodes = 1;
  const listeners: (() => void)[] = [];

  const latencyMs = (): number => {
    const t = clock.now();
    const jitter = Math.round(Math.sin(t * 2.3) * 6);
    if (cacheNodes > 1 || t < slowAt) return BASE_MS + jitter;
    return Math.min(CAP_MS, BASE_MS + CLIMB_MS_PER_SECOND * (t - slowAt)) + jitter;
  };

  const server = await listenLoopback(async (req, res) => {
    if (req.method === "GET" && req.url === "/login") {
      setTimeout(() => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("ok");
      }, latencyMs());
      return;
    }
    if (req.method === "POST" && req.url === "/scale") {
      await readBody(req);
      cacheNodes++;
      sendJson(res, 202, { cache_nodes: cacheNodes });
      for (const listener of listeners) listener();
      return;
    }
    sendJson(res, 404, { error: "try GET /login or POST /scale" });
  });

  return {
    ...server,
    latencyMs,
    get cacheNodes() {
      return cacheNodes;
    },
    onScale: (listener: () => void) => void listeners.push(listener),
  };
}
