// A stand-in IRS login endpoint for trying register.mjs locally: GET /login answers after
// LATENCY_MS (default 120), POST /latency with a number sets it (e.g. curl -d 400 ...).
//   node slow-login.mjs   # http://127.0.0.1:9000/login
import { createServer } from "node:http";

let latency = Number(process.env.LATENCY_MS ?? 120);
const port = Number(process.env.PORT ?? 9000);

createServer((req, res) => {
  if (req.method === "POST" && req.url === "/latency") {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      const ms = Number(body);
      if (!Number.isFinite(ms) || ms < 0) return res.writeHead(400).end("send a number of milliseconds\n");
      latency = ms;
      res.writeHead(200).end(`login now answers in ${latency} ms\n`);
    });
    return;
  }
  setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end("ok\n"), latency);
}).listen(port, "127.0.0.1", () =>
  console.log(`IRS login stand-in on http://127.0.0.1:${port}/login (${latency} ms)`),
);
