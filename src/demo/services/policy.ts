/**
 * The simulated policy service: `GET /policy/version` answers the live pack `{"id": ...}`. The
 * scenario swaps in an unapproved hot-fix pack mid-demo and later restores the approved one.
 */
import { type Listening, listenLoopback, sendJson } from "./http.js";

export interface PolicyService extends Listening {
  id: string;
}

export async function startPolicyService(initial: string): Promise<PolicyService> {
  const state = { id: initial };
  const server = await listenLoopback((req, res) => {
    if (req.method === "GET" && req.url === "/policy/version") {
      sendJson(res, 200, { id: state.id, published_by: "HMS-CDF" });
      return;
    }
    sendJson(res, 404, { error: "try GET /policy/version" });
  });
  return Object.assign(state, server);
}
