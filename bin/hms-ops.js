#!/usr/bin/env node
/**
 * The `hms-ops` command. Runs the bundled CLI (dist/cli/hms-ops.cjs, built by `npm run build`)
 * through vm.Script with a V8 code cache kept beside it, so a start skips loading ~170 modules
 * and compiling what it runs (docs/decisions.md, "Start-up"). Without a bundle it runs the tsc
 * output. HMS_OPS_CODE_CACHE=off runs the bundle without the cache.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const bundle = fileURLToPath(new URL("../dist/cli/hms-ops.cjs", import.meta.url));
// ASCII only (scripts/build-cli.mjs sees to it): latin1 reads it without UTF-8 decoding.
const source = readOrUndefined(bundle, "latin1");
if (source === undefined) await import("../dist/src/cli/main.js");
else runBundle(source);

function runBundle(source) {
  const build = /^\/\/ hms-ops build ([0-9a-f]+)/.exec(source)?.[1];
  const cacheFile = build && process.env.HMS_OPS_CODE_CACHE !== "off" ? cachePath(build) : undefined;
  const cachedData = cacheFile ? readOrUndefined(cacheFile) : undefined;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  // Written at exit, so the cache holds every function this run compiled, not just the top level.
  if (cacheFile && (!cachedData || script.cachedDataRejected))
    process.once("exit", () => saveCache(script, cacheFile));
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
}

/**
 * One cache for `serve`, one for `validate`, one for the rest (each holds what its command
 * compiled), and per Node binary and flags (V8 rejects a cache made under other flags; separate
 * files keep `--cpu-prof` runs from evicting the normal one). It lives beside the bundle, never in a shared temporary directory:
 * cached data is compiled code, so it must be as trusted as the bundle itself.
 */
function cachePath(build) {
  const command = ["serve", "validate"].includes(process.argv[2]) ? process.argv[2] : "other";
  const flags = createHash("sha256")
    .update(
      `${process.version} ${process.arch} ${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`,
    )
    .digest("hex")
    .slice(0, 12);
  return join(dirname(bundle), "cache", `${build}-${command}-${flags}.v8`);
}

function saveCache(script, file) {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, file); // atomic: a concurrent start reads the old file or the new one
  } catch {
    // A read-only install runs without the cache; nothing to report.
  }
}

function readOrUndefined(file, encoding) {
  try {
    return readFileSync(file, encoding);
  } catch {
    return undefined;
  }
}
