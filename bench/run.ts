/**
 * `npm run bench`: every figure beside its target. Exit 1 when any target is missed, so a
 * regression is loud. Pass names to run a subset: `npm run bench -- audit`.
 */
import type { BenchResult } from "./lib.js";

const SUITES: Record<string, () => Promise<{ run(): Promise<BenchResult[]> }>> = {
  startup: () => import("./startup.js"),
  audit: () => import("./audit.js"),
  series: () => import("./series.js"),
  probes: () => import("./probes.js"),
  rules: () => import("./rules.js"),
  detection: () => import("./detection.js"),
  dispatch: () => import("./dispatch.js"),
  reports: () => import("./reports.js"),
};

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(SUITES);
let failed = 0;
for (const name of names) {
  const load = SUITES[name];
  if (!load) {
    console.error(`unknown bench "${name}" (have: ${Object.keys(SUITES).join(", ")})`);
    process.exit(2);
  }
  console.log(`\n## ${name}`);
  for (const r of await (await load()).run()) {
    const figure = r.value >= 100 ? Math.round(r.value).toLocaleString("en-US") : r.value.toFixed(3);
    console.log(`${r.pass ? "PASS" : "MISS"}  ${r.name}: ${figure} ${r.unit}  (target ${r.target})`);
    if (!r.pass) failed++;
  }
}
console.log(failed ? `\n${failed} figure(s) missed their target` : "\nall figures within target");
process.exitCode = failed ? 1 : 0;
