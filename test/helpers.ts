/** Shared test helpers: temp dirs, configs on disk, a running app on a loopback port. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, expect } from "vitest";
import { type App, createApp } from "../src/app/index.js";
import type { Clock } from "../src/core/clock.js";
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

export interface StartOptions {
  watch?: boolean;
  /** Data dir to use (kept on stop: the caller owns it, e.g. to restart on it). */
  dir?: string;
  /** Collects the app's log lines (debug level, JSON). */
  logs?: string[];
  /** Defaults to the system clock. */
  clock?: Clock;
}

/** Writes `yaml` as ops.yml in a fresh temp dir (data under it) and starts the app on a free port. */
export async function startApp(yaml: string, opts: StartOptions = {}): Promise<Running> {
  const tmp = opts.dir ? { dir: opts.dir, cleanup: async () => {} } : await tempDir();
  const configFile = join(tmp.dir, "ops.yml");
  await writeFile(configFile, yaml);
  const app = await createApp({
    configFile,
    logger: opts.logs ? await captureLogger(opts.logs) : silentLogger(),
    watch: opts.watch ?? false,
    ...(opts.clock ? { clock: opts.clock } : {}),
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

export type Closer = { close(): Promise<void> };

export interface TestScope {
  /** Starts the app (see `startApp`); the scope stops the app it started last after the test. */
  start(yaml: string, opts?: StartOptions): Promise<Running>;
  /** Closes these after the test, in order, once the app is stopped. */
  track(...closers: Closer[]): void;
  /** A fresh temp dir, removed after the test once the app and the tracked closers are closed. */
  tempDir(): Promise<string>;
}

/**
 * Per-describe set-up: call it once in a `describe` body; it registers the `afterEach` that stops
 * the running app, closes what the test tracked and removes its temp dirs, in that order.
 */
export function testScope(): TestScope {
  const closers: Closer[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let srv: Running | undefined;
  afterEach(async () => {
    await srv?.stop();
    srv = undefined;
    for (const c of closers.splice(0)) await c.close();
    for (const c of cleanups.splice(0)) await c();
  });
  return {
    async start(yaml, opts) {
      srv = await startApp(yaml, opts);
      return srv;
    },
    track(...more) {
      closers.push(...more);
    },
    async tempDir() {
      const tmp = await tempDir();
      cleanups.push(tmp.cleanup);
      return tmp.dir;
    },
  };
}

/** Pushes metric samples with the sensor token (`POST /api/v1/metrics`). */
export function pushSamples(url: string, samples: unknown[]) {
  return api(url, "/api/v1/metrics", { method: "POST", token: TOKENS.sensor, body: { samples } });
}

/** A reader's GET of `path`, its body cast to `T`. */
export async function read<T>(url: string, path: string): Promise<T> {
  return (await api(url, path, { token: TOKENS.reader })).body as T;
}

export interface AlertView {
  slo: string;
  state: string;
  value: number | null;
  labels: Record<string, string>;
}

/** The alerts (one per label set) of SLO `slo`, as `GET /api/v1/alerts` lists them. */
export async function alertsOf(url: string, slo: string): Promise<AlertView[]> {
  return (await read<{ alerts: AlertView[] }>(url, "/api/v1/alerts")).alerts.filter((a) => a.slo === slo);
}

export interface IncidentSummary {
  id: string;
  slo: string;
  state: string;
  policyId: string | null;
}

/** The newest incident of SLO `slo` in `GET /api/v1/incidents` (only active ones with `state: "active"`). */
export async function incidentOf(
  url: string,
  slo: string,
  state?: string,
): Promise<IncidentSummary | undefined> {
  const query = state ? `?state=${state}` : "";
  const list = await read<{ incidents: IncidentSummary[] }>(url, `/api/v1/incidents${query}`);
  return list.incidents.find((i) => i.slo === slo);
}

/** `app.close` that may be called twice: by the test (to restart on the same dir) and after it. */
export function closeOnce(app: App): () => Promise<void> {
  let closed = false;
  return async () => {
    if (closed) return;
    closed = true;
    await app.close();
  };
}

/** The built `hms-ops` binary (`npm run build` first). */
export const BIN = resolve("bin/hms-ops.js");

export interface Served {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * `hms-ops serve -c configFile` on a free loopback port, as a separate process (spawned
 * asynchronously, so this test process keeps serving its own event loop); resolves once it says
 * where it serves.
 */
export async function serveBin(
  configFile: string,
  opts: { args?: string[]; timeoutMs?: number } = {},
): Promise<Served> {
  const child = spawn(
    process.execPath,
    [BIN, "serve", "-c", configFile, "--listen", "127.0.0.1:0", ...(opts.args ?? [])],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const url = await waitFor(
    () => /serving on (http:\/\/[\d.:]+)/.exec(out)?.[1],
    `server start (output: ${out})`,
    opts.timeoutMs ?? 10_000,
  );
  return { child, url, output: () => out, exited };
}

/** Where the browser tests look for Chromium (they skip without it). */
export const CHROMIUM = "/usr/bin/chromium";

/** Flags for Chromium in a container: no sandbox, no GPU, no background traffic of its own. */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/**
 * Runs `node ...args` to its end with exactly `env` (as a user would from a shell), collecting its
 * output; SIGKILLed after `timeoutMs` so a hung process fails the test instead of stalling it.
 */
export function runNode(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Finished> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, out, err });
    });
  });
}

/**
 * Serves `configFile` with the binary, registers the push probes `names` as admin (each answered
 * 201), then stops it with SIGTERM (exit 0): a data dir whose audit trail ends with the shutdown
 * checkpoint, for the `hms-ops audit` commands to read.
 */
export async function auditedRun(configFile: string, names: string[]): Promise<void> {
  const srv = await serveBin(configFile);
  for (const name of names) {
    const res = await api(srv.url, "/api/v1/probes", {
      method: "POST",
      token: TOKENS.admin,
      body: { name, type: "push" },
    });
    expect(res.status).toBe(201);
  }
  srv.child.kill("SIGTERM");
  expect(await srv.exited).toBe(0);
}

export interface UnitScope {
  /** A fresh temp dir named `prefix…`, removed once every test of the file has run. */
  tempDir(): string;
  /** Closes `closer` (a store, say) after the current test; returns it. */
  track<T extends Closer>(closer: T): T;
}

/**
 * Per-file set-up for unit tests on real files: call it once at the top of the file; it registers
 * the `afterEach` that closes what the test tracked (all at once) and the `afterAll` that removes
 * the temp dirs.
 */
export function unitScope(prefix: string): UnitScope {
  const dirs: string[] = [];
  const closers: Closer[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c.close()));
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return {
    tempDir() {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    track(closer) {
      closers.push(closer);
      return closer;
    },
  };
}

/** Registers a clean-up to run after the current test. */
export type Defer = (cleanup: () => Promise<void> | void) => void;

/**
 * Clean-ups run after each test, the last registered first, so teardown mirrors set-up (sockets
 * before the server they talk to, the server before its data dir).
 */
export function deferAfterEach(): Defer {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return (cleanup) => {
    cleanups.push(cleanup);
  };
}
