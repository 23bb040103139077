#!/usr/bin/env node
/**
 * Summarize a V8 .cpuprofile (from `node --cpu-prof`): self time per package / own module, and the
 * heaviest functions. Used to find what startup spends its time on (docs/decisions.md, startup).
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bin/hms-ops.js validate ops.yml
 *   node scripts/cpu-prof-summary.mjs [--until MS] /tmp/prof/*.cpuprofile [top]
 */
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const untilIdx = args.indexOf("--until");
// --until MS: only samples in the first MS ms of the profile (e.g. up to "serving").
const untilUs = untilIdx >= 0 ? Number(args.splice(untilIdx, 2)[1]) * 1000 : Number.POSITIVE_INFINITY;
const [file, topArg] = args;
if (!file) {
  console.error("usage: cpu-prof-summary.mjs FILE.cpuprofile [top]");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const prof = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
let at = 0;
for (let i = 0; i < prof.samples.length; i++) {
  at += dt[i] ?? 0;
  if (at > untilUs) break;
  self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

function bucket(url) {
  if (!url) return "(native/vm)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith("node:")) return "node:internal";
  const m = /\/(src|dist\/src|dist|bench)\/(.*)$/.exec(url);
  return m ? `own:${m[2].split("/").slice(0, -1).join("/") || m[2]}` : url;
}

const byBucket = new Map();
const byFn = new Map();
for (const [id, t] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const b = cf.url ? bucket(cf.url) : `(${cf.functionName || "anonymous"})`;
  byBucket.set(b, (byBucket.get(b) ?? 0) + t);
  const key = `${cf.functionName || "(anon)"} ${cf.url.split("/").slice(-2).join("/")}:${cf.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + t);
}
const ms = (us) => `${(us / 1000).toFixed(1).padStart(7)} ms`;
console.log(
  `total sampled ${ms(total)} (wall ${ms(prof.endTime - prof.startTime)})\n-- self time by package/module`,
);
for (const [k, v] of [...byBucket].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)}  ${k}`);
console.log("-- heaviest functions (self)");
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)}  ${k}`);
