/**
 * The probe bench's target: a loopback HTTP/1.1 server in its own process (forked by
 * bench/probes.ts, so its CPU is not charged to the prober). `GET /delay/<ms>` answers 200 "ok"
 * after that many milliseconds; any other path answers at once.
 *
 * It speaks just enough HTTP/1.1 on node:net (request head up to the blank line, no request
 * bodies, keep-alive unless the request says `connection: close`) instead of node:http: the target's own event-loop stalls and GC pauses land
 * in the prober's latency error, so the harness keeps them small.
 *
 * For `?p=<i>` (the bench's probe index) it records, per probe and in order, the delay it really
 * applied (request read → response written, ms): a late timer here is the target's lateness, and
 * the bench can tell it apart from the prober's error.
 *
 * IPC: sends `{port, nice}` once listening; answers `{q: "cpu", id}` with its CPU usage,
 * `{q: "applied", id}` with the recorded delays, `{q: "reset", id}` by forgetting them; exits when
 * the parent disconnects.
 */
import net from "node:net";
import { getPriority, setPriority } from "node:os";
import { performance } from "node:perf_hooks";

// `--nice=<n>`: asked for where permitted (root), so the target's own waits for a core stay small.
const nice = Number(/^--nice=(-?\d+)$/.exec(process.argv[2] ?? "")?.[1] ?? 0);
try {
  if (nice !== 0) setPriority(nice);
} catch {
  // Not permitted: run at the default priority.
}

const DELAY = /^[A-Z]+ \/delay\/(\d{1,6})(?:\?p=(\d{1,6}))?[ &]/;
/** Runs recorded per probe at most, and probes at most (preallocated: no GC churn while serving). */
const PER_PROBE = 16;
const MAX_PROBES = 20_000;
const applied = new Float64Array(MAX_PROBES * PER_PROBE);
const counts = new Uint16Array(MAX_PROBES);
let maxProbe = -1;
const END = Buffer.from("\r\n\r\n");
const OK = Buffer.from(
  "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nkeep-alive: timeout=30\r\n\r\nok",
  "latin1",
);
const OK_CLOSE = Buffer.from(
  "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
  "latin1",
);
const CLOSE = /\r\nconnection:[ \t]*close/i;
const BAD = Buffer.from(
  "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
  "latin1",
);

/** Writes the answer; `close` (the request said `connection: close`): then closes, server first. */
function respond(socket: net.Socket, close = false): void {
  if (socket.destroyed) return;
  if (close) socket.end(OK_CLOSE);
  else socket.write(OK);
}

function respondLater(socket: net.Socket, probe: number, arrived: number, close: boolean): void {
  respond(socket, close);
  const n = counts[probe] ?? PER_PROBE;
  if (n < PER_PROBE) {
    applied[probe * PER_PROBE + n] = performance.now() - arrived;
    counts[probe] = n + 1;
  }
}

const sockets = new Set<net.Socket>();

const server = net.createServer((socket) => {
  sockets.add(socket);
  socket.setNoDelay(true);
  let pending: Buffer | undefined;
  socket.on("data", (chunk: Buffer) => {
    const arrived = performance.now();
    let data = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = undefined;
    // Requests carry no body here; answer each head in order (a client sends one at a time).
    for (let end = data.indexOf(END); end >= 0; end = data.indexOf(END)) {
      const head = data.toString("latin1", 0, end);
      const m = DELAY.exec(head);
      const ms = m ? Number(m[1]) : 0;
      const probe = m?.[2] === undefined ? -1 : Number(m[2]);
      const close = CLOSE.test(head);
      if (probe >= 0 && probe < MAX_PROBES) {
        if (probe > maxProbe) maxProbe = probe;
        setTimeout(respondLater, ms, socket, probe, arrived, close);
      } else if (ms > 0) setTimeout(respond, ms, socket, close);
      else respond(socket, close);
      data = data.subarray(end + 4);
    }
    if (data.length > 16_384) {
      socket.end(BAD);
      return;
    }
    if (data.length) pending = Buffer.from(data);
  });
  socket.on("error", () => {});
  socket.on("close", () => sockets.delete(socket));
});

// A deep accept queue: the prober opens its pooled connections in bursts at start.
server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  if (process.send) process.send({ port, nice: getPriority() });
  else console.log(`probe target on http://127.0.0.1:${port}`);
});

process.on("message", (m: { q?: string; id?: number }) => {
  if (!process.send) return;
  // This process's CPU, so the target's own cost can be reported beside the prober's.
  if (m.q === "cpu") process.send({ id: m.id, cpu: process.cpuUsage() });
  if (m.q === "reset") {
    counts.fill(0);
    maxProbe = -1;
    process.send({ id: m.id });
  }
  if (m.q === "applied") {
    const n = maxProbe + 1;
    process.send({
      id: m.id,
      perProbe: PER_PROBE,
      counts: Array.from(counts.subarray(0, n)),
      applied: Array.from(applied.subarray(0, n * PER_PROBE)),
    });
  }
});

process.on("disconnect", () => {
  for (const socket of sockets) socket.destroy();
  server.close(() => process.exit(0));
});
