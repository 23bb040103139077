// Seed 004 in TypeScript's SDK, from plain JavaScript: register a latency probe on the IRS login
// and attach an auto-scale run-book that runs when it stays over 250 ms.
//
//   HMS_OPS_URL=http://127.0.0.1:8080 HMS_OPS_TOKEN=<an admin token> node register.mjs
//
// IRS_LOGIN_URL   what to probe (default http://127.0.0.1:9000/login)
// PROBE_INTERVAL  how often (default 30s, as in the seed)
// WHEN            the run-book's condition (default "latency > 250ms for 3m", as in the seed)
import { Center, HmsOpsError, Probe, Runbook } from "hms-ops";

const ops = new Center(); // url from HMS_OPS_URL, token from HMS_OPS_TOKEN

const probe = new Probe({
  name: "IRS_Login_Latency",
  target: process.env.IRS_LOGIN_URL ?? "http://127.0.0.1:9000/login",
  type: "http_latency",
  sloMs: 250, // a slower answer counts as not ok
  interval: process.env.PROBE_INTERVAL ?? "30s",
  labels: { agency: "IRS", service: "login" },
});

try {
  await ops.probes.register(probe);
  console.log(`registered probe ${probe.name} → ${probe.spec.target}`);
} catch (err) {
  // Registering is not repeatable: a second run finds the probe there and keeps it.
  if (!(err instanceof HmsOpsError && err.code === "conflict")) throw err;
  console.log(`probe ${probe.name} is already registered; keeping it (ops.probes.remove to change it)`);
}

const scale = new Runbook({
  name: "Add_Login_Cache_Node",
  // Each step runs as argv without a shell, with HMS-OPS's stored credentials for the CLI.
  steps: ["aws rds failover --cluster login-db", "aws elasticache scale-out --cluster login-cache"],
  cooldown: "15m",
});

// Attaching the same thing again replaces it, so this part is safe to re-run.
const attached = await ops.runbooks.attach({
  probe: "IRS_Login_Latency",
  when: process.env.WHEN ?? "latency > 250ms for 3m",
  do: scale,
});
console.log(`attached ${attached.runbook} to ${attached.probe} when ${attached.when}`);

console.log("Open in browser:", ops.dashboard.url());
