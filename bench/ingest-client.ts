/**
 * Load generator for the ingest bench, run as its own process so its CPU is not counted against
 * the server: posts one pre-serialized batch over keep-alive connections for a fixed time.
 * argv: url token durationMs concurrency bodyFile
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";

const [url, token, durationArg, concurrencyArg, bodyFile] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const body = readFileSync(bodyFile);
const agent = new Agent({ keepAlive: true, maxSockets: Number(concurrencyArg) });
const deadline = Date.now() + Number(durationArg);
let ok = 0;
let failed = 0;
let lastError = "";

function post(): Promise<void> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "content-length": body.length,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode === 202) ok++;
          else {
            failed++;
            lastError = `HTTP ${res.statusCode}`;
          }
          resolve();
        });
      },
    );
    req.on("error", (err) => {
      failed++;
      lastError = err.message;
      resolve();
    });
    req.end(body);
  });
}

async function worker(): Promise<void> {
  while (Date.now() < deadline) await post();
}

await Promise.all(Array.from({ length: Number(concurrencyArg) }, worker));
agent.destroy();
process.send?.({ ok, failed, lastError });
