#!/usr/bin/env node
/**
 * First step of `npm run build`: the tsc output (dist/src, dist/bench: library, probe thread,
 * benches), then the CLI bundle (scripts/build-cli.mjs). The bundle is built even when tsc reports type
 * errors — tsc still emits, and a bundle left over from an older build would otherwise make
 * bin/hms-ops.js run old code — and the exit code is tsc's unless bundling fails.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const tsPackage = require.resolve("typescript/package.json");
const tsc = join(dirname(tsPackage), require(tsPackage).bin.tsc);
const typed = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
const bundled = spawnSync(process.execPath, [new URL("./build-cli.mjs", import.meta.url).pathname], {
  stdio: "inherit",
});
process.exitCode = bundled.status !== 0 ? (bundled.status ?? 1) : (typed.status ?? 1);
