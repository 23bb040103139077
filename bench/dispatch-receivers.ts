/**
 * The dispatch bench's receivers, in their own process (forked by bench/dispatch.ts, as
 * bench/probe-target.ts is for the probe bench), so their CPU and event-loop stalls are not
 * charged to the outbox that delivers to them:
 *
 * - a keep-alive HTTP/1.1 webhook receiver on node:net that reads each POST (head, then exactly
 *   `content-length` body bytes) and answers 200 — just enough HTTP for a client that always sends
 *   a content-length (src/sirens/receivers/http.ts does), at a fraction of node:http's cost;
 * - a real SMTP server (the `smtp-server` package; plain text on loopback, no AUTH, no STARTTLS)
 *   that accepts every message.
 *
 * Each arrival is counted and timestamped (epoch ms, sub-millisecond: `performance.timeOrigin +
 * performance.now()`, comparable with the parent's clock to well under a millisecond).
 *
 * IPC: sends `{webhookPort, smtpPort}` once listening. Answers `{q: "wait", id, webhook, email,
 * timeoutMs}` once that many of each have arrived (or the time is up) with the counts and the
 * last arrival of each; `{q: "times", id, from}` with the webhook arrival times from index
 * `from`; `{q: "cpu", id}` with its CPU usage; `{q: "reset", id}` by zeroing the counts. Exits
 * when the parent disconnects.
 */
import net from "node:net";
import { performance } from "node:perf_hooks";
import { SMTPServer } from "smtp-server";

const now = () => performance.timeOrigin + performance.now();

interface Tally {
  count: number;
  times: number[];
}
const webhook: Tally = { count: 0, times: [] };
const email: Tally = { count: 0, times: [] };
let malformed = 0;

function arrived(t: Tally): void {
  t.count++;
  t.times.push(now());
  checkWaiters();
}

// ---- webhook receiver ------------------------------------------------------------------------

const END = Buffer.from("\r\n\r\n");
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d{1,9})/i;
const CLOSE = /\r\nconnection:[ \t]*close/i;
const OK = Buffer.from(
  "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nkeep-alive: timeout=30\r\n\r\nok",
  "latin1",
);
const OK_CLOSE = Buffer.from(
  "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
  "latin1",
);
const BAD = Buffer.from(
  "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
  "latin1",
);

const sockets = new Set<net.Socket>();

const http = net.createServer((socket) => {
  sockets.add(socket);
  socket.setNoDelay(true);
  let pending: Buffer | undefined;
  /** Body bytes still to skip for the request being read; -1 while reading a head. */
  let bodyLeft = -1;
  let closeAfter = false;
  socket.on("data", (chunk: Buffer) => {
    let data = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = undefined;
    for (;;) {
      if (bodyLeft >= 0) {
        if (data.length < bodyLeft) {
          bodyLeft -= data.length;
          return;
        }
        data = data.subarray(bodyLeft);
        bodyLeft = -1;
        arrived(webhook);
        if (closeAfter) {
          socket.end(OK_CLOSE);
          return;
        }
        socket.write(OK);
        continue;
      }
      const end = data.indexOf(END);
      if (end < 0) break;
      const head = data.toString("latin1", 0, end);
      const length = CONTENT_LENGTH.exec(head);
      if (!length || !head.startsWith("POST ")) {
        malformed++;
        socket.end(BAD);
        return;
      }
      bodyLeft = Number(length[1]);
      closeAfter = CLOSE.test(head);
      data = data.subarray(end + 4);
    }
    if (data.length > 65_536) {
      malformed++;
      socket.end(BAD);
      return;
    }
    if (data.length) pending = Buffer.from(data);
  });
  socket.on("error", () => {});
  socket.on("close", () => sockets.delete(socket));
});

// ---- SMTP receiver ---------------------------------------------------------------------------

const smtp = new SMTPServer({
  disabledCommands: ["AUTH", "STARTTLS"],
  authOptional: true,
  disableReverseLookup: true,
  logger: false,
  closeTimeout: 50,
  size: 1_048_576,
  onData(stream, _session, callback) {
    stream.on("data", () => {});
    stream.on("end", () => {
      arrived(email);
      callback();
    });
  },
});
smtp.on("error", () => {});

// ---- IPC -------------------------------------------------------------------------------------

interface Waiter {
  id: number;
  webhook: number;
  email: number;
  timer: NodeJS.Timeout;
}
const waiters = new Set<Waiter>();

function status(timedOut: boolean) {
  return {
    webhook: webhook.count,
    email: email.count,
    malformed,
    lastWebhookAt: webhook.times.at(-1) ?? null,
    lastEmailAt: email.times.at(-1) ?? null,
    timedOut,
  };
}

function checkWaiters(): void {
  for (const w of waiters) {
    if (webhook.count >= w.webhook && email.count >= w.email) answer(w, false);
  }
}

function answer(w: Waiter, timedOut: boolean): void {
  clearTimeout(w.timer);
  waiters.delete(w);
  process.send?.({ id: w.id, ...status(timedOut) });
}

interface Ask {
  q?: string;
  id?: number;
  webhook?: number;
  email?: number;
  timeoutMs?: number;
  from?: number;
}

process.on("message", (m: Ask) => {
  if (!process.send || typeof m.id !== "number") return;
  const id = m.id;
  if (m.q === "wait") {
    const w: Waiter = {
      id,
      webhook: m.webhook ?? 0,
      email: m.email ?? 0,
      timer: setTimeout(() => answer(w, true), m.timeoutMs ?? 30_000),
    };
    waiters.add(w);
    checkWaiters();
  } else if (m.q === "times") process.send({ id, times: webhook.times.slice(m.from ?? 0) });
  else if (m.q === "cpu") process.send({ id, cpu: process.cpuUsage() });
  else if (m.q === "reset") {
    webhook.count = email.count = malformed = 0;
    webhook.times = [];
    email.times = [];
    process.send({ id });
  }
});

const portOf = (s: net.Server): number => {
  const a = s.address();
  return typeof a === "object" && a ? a.port : 0;
};
const webhookPort = await new Promise<number>((resolve) =>
  http.listen({ port: 0, host: "127.0.0.1", backlog: 1024 }, () => resolve(portOf(http))),
);
const smtpPort = await new Promise<number>((resolve) =>
  smtp.listen(0, "127.0.0.1", () => resolve(portOf(smtp.server))),
);
if (process.send) process.send({ webhookPort, smtpPort });
else console.log(`webhook on http://127.0.0.1:${webhookPort}/hook, smtp on 127.0.0.1:${smtpPort}`);

process.on("disconnect", () => {
  for (const w of waiters) clearTimeout(w.timer);
  for (const socket of sockets) socket.destroy();
  http.close();
  smtp.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
});
