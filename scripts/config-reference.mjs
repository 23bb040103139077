#!/usr/bin/env node
/**
 * `npm run docs:config`: writes docs/config-reference.md from the ops.yml schema
 * (src/config/reference.ts). Bundled on the fly with esbuild, so it needs no build of the whole
 * project; `--check` exits 1 when the file is out of date instead of writing it.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "docs", "config-reference.md");
// Inside the repository, so the bundle's bare imports (zod) resolve from node_modules.
const bundle = join(root, "node_modules", ".cache", "hms-ops", `config-reference-${process.pid}.mjs`);

await mkdir(dirname(bundle), { recursive: true });
await build({
  entryPoints: [join(root, "src", "config", "reference.ts")],
  outfile: bundle,
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  logLevel: "warning",
});
try {
  const { configReference } = await import(pathToFileURL(bundle).href);
  const text = configReference();
  if (process.argv.includes("--check")) {
    const current = await readFile(target, "utf8").catch(() => "");
    if (current !== text) {
      console.error("docs/config-reference.md is out of date with the schema: run `npm run docs:config`");
      process.exitCode = 1;
    }
  } else {
    await writeFile(target, text);
    console.log(`wrote ${target}`);
  }
} finally {
  await rm(bundle, { force: true });
}
