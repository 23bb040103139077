/**
 * The probe bench's target: a loopback HTTP server in its own process (forked by bench/probes.ts,
 * so its CPU is not charged to the prober). `GET /delay/<ms>` answers 200 "ok" after that many
 * milliseconds; anything else answers at once. It tells its parent the port over IPC and exits
 * when the parent disconnects (so a crashed bench never leaves it behind).
 */
import http from "node:http";

const DELAY = /^\/delay\/(\d{1,6})(?:[/?]|$)/;

function respond(res: http.ServerResponse): void {
  res.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
  res.end("ok");
}

const server = http.createServer((req, res) => {
  // Requests carry no body here, but drain anything sent so the connection stays usable.
  req.resume();
  const m = DELAY.exec(req.url ?? "");
  const ms = m ? Number(m[1]) : 0;
  if (ms > 0) setTimeout(respond, ms, res);
  else respond(res);
});
// Idle keep-alive sockets live longer than the bench interval, so reuse is measurable.
server.keepAliveTimeout = 30_000;
server.headersTimeout = 35_000;
server.maxHeadersCount = 50;

// A deep accept queue: the prober opens its pooled connections in bursts at start.
server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  if (process.send) process.send({ port });
  else console.log(`probe target on http://127.0.0.1:${port}`);
});

// The bench asks for this process's CPU so the target's own cost can be reported beside the prober's.
process.on("message", (m) => {
  if (m === "cpu" && process.send) process.send(process.cpuUsage());
});

process.on("disconnect", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
