// The OSERS call-center sensor (seed 000): every few seconds, read the queue's average wait time
// and push it to HMS-OPS as the metric `sla_wait_time`, in milliseconds.
//
//   HMS_OPS_URL=http://127.0.0.1:8080 HMS_OPS_TOKEN=<an ingest token> node sensor.mjs
//
// OSERS_QUEUE_URL: read {"wait_seconds": ...} from there (a GET) instead of simulating the
//   Monday-morning surge (40 s climbing to 230 s, as in the seed).
// SENSOR_INTERVAL_MS (default 5000), SENSOR_COUNT (default: run until stopped).
import { Center, HmsOpsError } from "hms-ops";

const ops = new Center(); // HMS_OPS_URL and HMS_OPS_TOKEN from the environment
const every = Number(process.env.SENSOR_INTERVAL_MS ?? 5000);
const count = Number(process.env.SENSOR_COUNT ?? Number.POSITIVE_INFINITY);
const labels = { agency: "OSERS", queue: "disability-benefits" };

let reading = 0;
async function waitSeconds() {
  if (process.env.OSERS_QUEUE_URL) {
    const res = await fetch(process.env.OSERS_QUEUE_URL);
    if (!res.ok) throw new Error(`queue answered HTTP ${res.status}`);
    return (await res.json()).wait_seconds;
  }
  // 10 AM on Monday: traffic spikes and the wait climbs from 40 s to 230 s.
  return Math.min(230, 40 + 15 * reading);
}

async function pushOnce() {
  const seconds = await waitSeconds();
  // Never retried by the SDK: a sample sent twice would be counted twice.
  const { accepted } = await ops.metrics.push({ metric: "sla_wait_time", value: seconds * 1000, labels });
  console.log(`wait ${seconds} s → ${accepted === 1 ? "accepted" : "not accepted"}`);
}

while (reading < count) {
  try {
    await pushOnce();
  } catch (err) {
    if (err instanceof HmsOpsError && (err.code === "unauthenticated" || err.code === "forbidden")) {
      console.error(`sensor: ${err.message}: set HMS_OPS_TOKEN to a token with the ingest scope`);
      process.exit(1);
    }
    // Anything else (server restarting, queue unreachable): say so and try again next time.
    console.error(`sensor: ${err instanceof HmsOpsError ? `${err.code}: ` : ""}${err.message}`);
  }
  reading++;
  if (reading < count) await new Promise((r) => setTimeout(r, every));
}
