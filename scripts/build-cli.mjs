#!/usr/bin/env node
/**
 * Bundles the CLI (src/cli/main.ts and everything it reaches) into one CommonJS file,
 * dist/cli/hms-ops.cjs, which bin/hms-ops.js runs with a V8 code cache (see bin/hms-ops.js and
 * docs/decisions.md "Start-up"). Run by `npm run build` (scripts/build.mjs) after tsc; dist/src
 * stays the library build and what the tests and the probe thread use.
 *
 * Why CommonJS: Node 20 has no code cache for ES modules (module.enableCompileCache is Node 22+),
 * while a CommonJS function compiled through vm.Script can be given V8 cached data. The sources
 * have no top-level await, so nothing is lost; `import()` of our own modules becomes a lazy
 * in-bundle init, so `validate` still never evaluates the server.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = resolve(root, "dist/cli/hms-ops.cjs");

/**
 * Native addons, and packages that load files at run time by computed paths, stay in
 * node_modules. pino-pretty is only loaded on a terminal.
 */
const EXTERNAL = ["better-sqlite3", "pino-pretty"];

/**
 * `import.meta.url` in our sources means "this module's file" (e.g. the probe thread script beside
 * src/probes/kinds/worker/host.js). Inside the bundle it becomes the URL of the same module in the
 * tsc output (dist/src/...), which `npm run build` has just written, so such lookups behave exactly
 * as in the unbundled build.
 */
const importMetaUrl = {
  name: "import-meta-url",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const compiled = relative(dirname(outfile), resolve(root, "dist", relative(root, args.path)))
        .replaceAll("\\", "/")
        .replace(/\.ts$/, ".js");
      const url = `require("node:url").pathToFileURL(require("node:path").join(__dirname, ${JSON.stringify(compiled)})).href`;
      return { contents: text.replaceAll("import.meta.url", url), loader: "ts" };
    });
  },
};

// A failed bundle must not leave an older one behind for bin/hms-ops.js to run.
await rm(dirname(outfile), { recursive: true, force: true });
const result = await build({
  entryPoints: [resolve(root, "src/cli/main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  // Lazy `await import()` of our modules stays lazy (esbuild wraps them in init functions);
  // external ones become require(), since vm.Script has no loader for import().
  supported: { "dynamic-import": false },
  external: EXTERNAL,
  plugins: [importMetaUrl],
  // Dependencies written as ES modules (fdir: `createRequire(import.meta.url)`) get the bundle's
  // own URL, which resolves packages from node_modules as theirs would.
  define: { "import.meta.url": "__bundleUrl" },
  banner: { js: 'var __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  legalComments: "none",
  charset: "ascii",
  logLevel: "warning",
  write: false,
});
// esbuild writes code as ASCII (charset "ascii" escapes the rest), so what is left outside ASCII sits
// in comments. Dropping it lets bin/hms-ops.js read the bundle as latin1, several times faster
// than decoding 4 MB of UTF-8 at every start.
const code = result.outputFiles[0].text.replace(/[\u0080-\uffff]/g, "?");
// The build id names the code cache: V8 checks a cache against the source's length, not its
// content, so a rebuilt bundle of the same length must never meet the old cache.
const id = createHash("sha256").update(code).digest("hex").slice(0, 16);
await mkdir(dirname(outfile), { recursive: true });
await writeFile(outfile, `// hms-ops build ${id}\n${code}`);
console.log(`${relative(root, outfile)}: ${(code.length / 1024 / 1024).toFixed(1)} MB, build ${id}`);
