/**
 * A real HTTP receiver on 127.0.0.1 for tests: records every request (raw body included) and
 * answers from a script. Never part of the build.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface CapturedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body, exactly as received. */
  body: string;
  /** Real time of arrival (performance.now()). */
  at: number;
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Answer only after this many ms. */
  delayMs?: number;
}

type Script = Answer | ((req: CapturedRequest) => Answer);

export interface LoopbackReceiver {
  /** `http://127.0.0.1:<port>/hook`. */
  readonly url: string;
  readonly port: number;
  readonly requests: CapturedRequest[];
  /** Queue answers for the next requests, in order; then `fallback` answers. */
  respond(...answers: Script[]): void;
  fallback(answer: Script): void;
  /** Resolves once `n` requests arrived in total (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<CapturedRequest[]>;
  close(): Promise<void>;
}

export async function startLoopbackReceiver(): Promise<LoopbackReceiver> {
  const requests: CapturedRequest[] = [];
  const queue: Script[] = [];
  let fallback: Script = { status: 200, body: "ok" };
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const captured: CapturedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: performance.now(),
      };
      requests.push(captured);
      for (const w of waiters) w();
      const script = queue.shift() ?? fallback;
      const answer = typeof script === "function" ? script(captured) : script;
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
        res.end(answer.body ?? "");
      };
      if (answer.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, answer.delayMs);
        timers.add(t);
      } else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    requests,
    respond: (...answers) => void queue.push(...answers),
    fallback: (answer) => {
      fallback = answer;
    },
    waitFor(n, timeoutMs = 5000) {
      if (requests.length >= n) return Promise.resolve(requests.slice());
      return new Promise((resolve, reject) => {
        const check = () => {
          if (requests.length < n) return;
          cleanup();
          resolve(requests.slice());
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`expected ${n} requests, got ${requests.length} within ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
