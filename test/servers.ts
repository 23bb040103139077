/** Real loopback servers for end-to-end tests: a probe target, a webhook receiver, a policy source. */
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Started {
  url: string;
  port: number;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<{ url: string; port: number; close(): Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A target whose answer delay (ms) and status can be changed while probes run. */
export async function startTarget(): Promise<Started & { delayMs: number; status: number; hits: number }> {
  const state = { delayMs: 0, status: 200, hits: 0 };
  const server = createServer((_req, res) => {
    state.hits++;
    setTimeout(() => {
      res.writeHead(state.status, { "content-type": "text/plain" });
      res.end("ok");
    }, state.delayMs);
  });
  const base = await listen(server);
  return Object.assign(state, base);
}

export interface Received {
  body: Record<string, unknown>;
  raw: string;
  headers: IncomingHttpHeaders;
  at: number;
}

/** A webhook receiver that records every delivery; `failWith` makes it answer an error status. */
export async function startReceiver(): Promise<
  Started & { received: Received[]; failWith: number | null; attempts: number }
> {
  const state = { received: [] as Received[], failWith: null as number | null, attempts: 0 };
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => {
      raw += d.toString();
    });
    req.on("end", () => {
      state.attempts++;
      if (state.failWith !== null) {
        res.writeHead(state.failWith).end("failing on purpose");
        return;
      }
      state.received.push({
        body: JSON.parse(raw) as Record<string, unknown>,
        raw,
        headers: req.headers,
        at: Date.now(),
      });
      res.writeHead(200).end("ok");
    });
  });
  const base = await listen(server);
  return Object.assign(state, base);
}

export function signatureOf(raw: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;
}

/**
 * A policy source answering `{"id": ...}`. Set `status` to answer an error, or `body` to answer
 * that text instead of the JSON document (garbage, JSON without an id); `hits` counts requests.
 */
export async function startPolicy(
  id: string,
): Promise<Started & { id: string; status: number; body: string | null; hits: number }> {
  const state = { id, status: 200, body: null as string | null, hits: 0 };
  const server = createServer((_req, res) => {
    state.hits++;
    res.writeHead(state.status, { "content-type": "application/json" });
    res.end(state.body ?? JSON.stringify({ id: state.id, rules: [`rules of ${state.id}`] }));
  });
  const base = await listen(server);
  return Object.assign(state, base);
}
