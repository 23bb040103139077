/**
 * The simulated OSERS disability-benefits call queue. Its wait time sits near 35 s, backs up from
 * `spikeAt` (the Monday-morning surge of seed 000) until someone adds agents through the admin
 * endpoint, then drains back under the 60 s SLA.
 *
 *   GET  /queue  → {"wait_seconds": 72.5, "agents": 12}
 *   POST /scale  → 202 {"agents": 22}        (the run-book's http step)
 */
import type { StoryClock } from "../story-clock.js";
import { type Listening, listenLoopback, readBody, sendJson } from "./http.js";

const BASE_SECONDS = 35;
const CLIMB_PER_SECOND = 3.5;
const CAP_SECONDS = 118;
const DRAIN_PER_SECOND = 6;
const FLOOR_SECONDS = 28;
const ADDED_AGENTS = 10;

export interface CallQueue extends Listening {
  /** The wait time now, in seconds. */
  waitSeconds(): number;
  readonly agents: number;
  /** Story second of the first scale-out, or null. */
  readonly scaledAt: number | null;
  onScale(listener: () => void): void;
}

export async function startCallQueue(clock: StoryClock, spikeAt: number): Promise<CallQueue> {
  let agents = 12;
  let scaled: { at: number; from: number } | null = null;
  const listeners: (() => void)[] = [];

  const waitSeconds = (): number => {
    const t = clock.now();
    const jitter = Math.sin(t * 1.7) * 0.8;
    if (scaled) return Math.max(FLOOR_SECONDS, scaled.from - DRAIN_PER_SECOND * (t - scaled.at)) + jitter;
    if (t < spikeAt) return BASE_SECONDS + jitter;
    return Math.min(CAP_SECONDS, BASE_SECONDS + CLIMB_PER_SECOND * (t - spikeAt)) + jitter;
  };

  const server = await listenLoopback(async (req, res) => {
    if (req.method === "GET" && req.url === "/queue") {
      sendJson(res, 200, { wait_seconds: round(waitSeconds()), agents });
      return;
    }
    if (req.method === "POST" && req.url === "/scale") {
      await readBody(req);
      if (!scaled) scaled = { at: clock.now(), from: waitSeconds() };
      agents += ADDED_AGENTS;
      sendJson(res, 202, { agents });
      for (const listener of listeners) listener();
      return;
    }
    sendJson(res, 404, { error: "try GET /queue or POST /scale" });
  });

  return {
    ...server,
    waitSeconds,
    get agents() {
      return agents;
    },
    get scaledAt() {
      return scaled?.at ?? null;
    },
    onScale: (listener: () => void) => void listeners.push(listener),
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
