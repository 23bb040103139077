#!/usr/bin/env node
/**
 * Builds the Reliability Board (web/) into dist/web: one ES module bundle and one stylesheet
 * (uPlot's CSS included) under dist/web/assets, and index.html. Everything ships inside the
 * package: no CDN, no external fonts, so the board works in an air-gapped agency. Run by
 * `npm run build`; the board's e2e test runs it too (`buildWeb()`).
 */
import { copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export async function buildWeb({ outDir = resolve(root, "dist/web"), minify = true } = {}) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(resolve(outDir, "assets"), { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: resolve(root, "web/src/main.ts") },
    outdir: resolve(outDir, "assets"),
    bundle: true,
    format: "esm",
    target: ["es2022", "chrome110", "firefox110", "safari16"],
    minify,
    sourcemap: false,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  await copyFile(resolve(root, "web/index.html"), resolve(outDir, "index.html"));
  return result.metafile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildWeb();
}
