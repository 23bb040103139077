/** Shared test helpers: temp dirs, configs on disk, a running app on a loopback port. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { type App, createApp } from "../src/app/index.js";
import { createLogger, type Logger, silentLogger } from "../src/core/log.js";

/** A debug-level JSON logger whose lines land in `lines` (to grep them for secrets). */
function captureLogger(lines: string[]): Promise<Logger> {
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return createLogger({ level: "debug", pretty: false, destination });
}

export const TOKENS = {
  admin: "admin-secret-0123456789abcdef",
  operator: "operator-secret-0123456789abcd",
  reader: "reader-secret-0123456789abcdef",
  sensor: "sensor-secret-0123456789abcdef",
} as const;

export const TOKENS_YAML = `  auth:
    tokens:
      - { name: admin, scopes: [admin], secret: "${TOKENS.admin}" }
      - { name: operator, scopes: [operate], secret: "${TOKENS.operator}" }
      - { name: reader, scopes: [read], secret: "${TOKENS.reader}" }
      - { name: sensor, scopes: [ingest], secret: "${TOKENS.sensor}" }
`;

export async function tempDir(
  prefix = "hms-ops-test-",
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface Running {
  app: App;
  url: string;
  dir: string;
  configFile: string;
  stop(): Promise<void>;
}

/** Writes `yaml` as ops.yml in a fresh temp dir (data under it) and starts the app on a free port. */
export async function startApp(
  yaml: string,
  opts: { watch?: boolean; dir?: string; logs?: string[] } = {},
): Promise<Running> {
  const tmp = opts.dir ? { dir: opts.dir, cleanup: async () => {} } : await tempDir();
  const configFile = join(tmp.dir, "ops.yml");
  await writeFile(configFile, yaml);
  const app = await createApp({
    configFile,
    logger: opts.logs ? await captureLogger(opts.logs) : silentLogger(),
    watch: opts.watch ?? false,
    listen: { host: "127.0.0.1", port: 0 },
  });
  const url = await app.listen();
  return {
    app,
    url,
    dir: tmp.dir,
    configFile,
    async stop() {
      await app.close();
      await tmp.cleanup();
    },
  };
}

export function serverYaml(extra = "", auth = TOKENS_YAML): string {
  return `server:\n  data: ./data\n${auth}${extra}`;
}

/** Polls `check` until it returns a truthy value or the deadline passes (then throws). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 5000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function api(
  url: string,
  path: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; headers: Headers; text: string }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(url + path, { method: init.method ?? "GET", headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers, text };
}
