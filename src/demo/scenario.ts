/**
 * `hms-ops demo`: the whole product in about two minutes on the embedded default (SQLite in a
 * data directory, the in-process bus, nothing else installed). The story:
 *
 *   1. The OSERS call queue backs up; its sensor pushes wait times; the legal SLA fires: the
 *      compliance siren pages on-call and emails counsel; run-book add-call-agents scales out;
 *      the queue drains and the SLA resolves.
 *   2. The IRS login slows past 250 ms; the http probe sees it; the page SLO fires; run-book
 *      add-login-cache-node adds a cache node; latency drops and the SLO resolves.
 *   3. HMS-CDF publishes an unapproved hot-fix pack: drift pages on-call; the approved pack is
 *      restored and drift resolves.
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type App, createApp } from "../app/index.js";
import { createLogger } from "../core/log.js";
import { Center } from "../sdk/index.js";
import { Checklist, type CheckResult } from "./checks.js";
import { APPROVED_PACK, DRIFT_SLO, demoConfig, HOTFIX_PACK } from "./config.js";
import { createNarrator, type Narrator } from "./narrator.js";
import { observe } from "./observe.js";
import { startSensor } from "./sensor.js";
import { startWorld, type World } from "./services/index.js";
import { choosePort, prepareDataDir } from "./setup.js";
import { storyClock } from "./story-clock.js";
import { timings } from "./timings.js";

export interface DemoOptions {
  /** Every timing shortened (for CI): the whole story in well under a minute. */
  fast?: boolean;
  /** Stop at the end and report; otherwise keep serving until `signal` aborts. */
  exit?: boolean;
  /** Keep the data here (must be new or empty); default: a temporary directory, removed at the end. */
  dataDir?: string;
  /** Where HMS-OPS listens; default 127.0.0.1:8080, or a free port when that is taken. */
  listen?: { host: string; port: number };
  out?: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** Redraw a live status (default: whether `out` is a terminal). */
  live?: boolean;
  /** Ends serving (after the story) or the story itself. */
  signal?: AbortSignal;
}

export interface DemoResult {
  ok: boolean;
  checks: CheckResult[];
  url: string;
  dataDir: string;
}

/** How long after the approved pack is back the story waits for drift to resolve (story seconds). */
const DRIFT_RESOLVE_GRACE = 20;

export async function runDemo(o: DemoOptions = {}): Promise<DemoResult> {
  const t = timings(o.fast ?? false);
  const out = o.out ?? process.stdout;
  const n = createNarrator(out, o.live === undefined ? {} : { live: o.live });
  const listen = o.listen ?? { host: "127.0.0.1", port: 8080 };
  const data = await prepareDataDir(o.dataDir);
  const clock = storyClock(t.msPerSecond);
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };

  try {
    const world = await startWorld(clock, t, APPROVED_PACK);
    stops.push(() => world.close());
    const { port, fellBack } = await choosePort(listen.host, listen.port);
    if (fellBack) n.say("info", `port ${listen.port} is taken; serving on ${listen.host}:${port} instead`);
    const configFile = join(data.dir, "ops.yml");
    await writeFile(
      configFile,
      demoConfig(
        {
          ops: { host: listen.host, port },
          queue: world.queue.url,
          login: world.login.url,
          policy: world.policy.url,
          pager: world.pager.url,
          inbox: world.inbox.address,
        },
        t,
      ),
    );
    const app = await startApp(configFile, join(data.dir, "hms-ops.log"), stops);
    const url = await app.listen();
    const board = `${url}/`;
    introduce(n, { board, configFile, dataDir: data.dir, world, fast: t.fast });

    // No token: the demo server is open on loopback, and a user's HMS_OPS_TOKEN is not for it.
    const ops = new Center({ url, token: "", retries: 1, timeoutMs: 5_000 });
    let sensorErrors = 0;
    const sensor = startSensor(ops, world.queue, t, (err) => {
      if (sensorErrors++ === 0) n.say("warn", `sensor: push failed: ${(err as Error).message}`);
    });
    stops.push(() => sensor.stop());
    n.say(
      "step",
      `sensor: pushing the OSERS wait time every ${(t.sensorEvery * t.msPerSecond) / 1000} s (ops.metrics.push → POST /api/v1/metrics)`,
    );

    const checks = new Checklist();
    const watcher = observe({ ops, world, checks, narrator: n, clock, boardUrl: board });
    schedulePolicy(world, t.packChangeAt, t.packRestoreAt, clock, n, stops);

    const finished = await story(
      async () => {
        await watcher.poll().catch(() => {});
        n.update(watcher.status());
        if (!checks.complete) return false;
        const restored = clock.now() >= t.packRestoreAt;
        return (
          restored &&
          (watcher.alertState(DRIFT_SLO) !== "firing" || clock.now() >= t.packRestoreAt + DRIFT_RESOLVE_GRACE)
        );
      },
      t.pollMs,
      clock.msUntil(t.deadline),
      o.signal,
    );
    const result: DemoResult = {
      ok: checks.complete,
      checks: checks.results(),
      url: board,
      dataDir: data.dir,
    };
    summarize(n, result, finished);

    if (!o.exit && !o.signal?.aborted) {
      n.say(
        "info",
        `the board stays up at ${board} (the services keep running, healthy now); Ctrl-C to stop`,
      );
      const keepDrawing = setInterval(() => {
        void watcher.poll().then(
          () => n.update(watcher.status()),
          () => {},
        );
      }, 1000);
      stops.push(() => clearInterval(keepDrawing));
      if (o.signal) await once(o.signal, "abort");
    }
    n.close();
    return result;
  } finally {
    await stopAll();
    await data.release();
  }
}

async function startApp(
  configFile: string,
  logFile: string,
  stops: (() => Promise<void> | void)[],
): Promise<App> {
  // HMS-OPS's own log goes to a file: the terminal belongs to the narration.
  const logStream = createWriteStream(logFile, { flags: "a" });
  stops.push(() => new Promise<void>((resolve) => logStream.end(() => resolve())));
  const app = await createApp({
    configFile,
    logger: await createLogger({ pretty: false, destination: logStream }),
    watch: true,
  });
  stops.push(() => app.close());
  return app;
}

function introduce(
  n: Narrator,
  o: { board: string; configFile: string; dataDir: string; world: World; fast: boolean },
): void {
  n.say("info", `HMS-OPS demo${o.fast ? " (fast)" : ""}: embedded SQLite in ${o.dataDir}, in-process bus`);
  n.say("info", `config: ${o.configFile} (edit it while the demo runs: it hot-reloads)`);
  n.say("ok", `Reliability Board: ${o.board}`);
  n.say("info", `OSERS call queue ${o.world.queue.url}/queue · IRS login ${o.world.login.url}/login`);
  n.say(
    "info",
    `policy service ${o.world.policy.url}/policy/version · pager ${o.world.pager.url}/pager · counsel inbox ${o.world.inbox.address}`,
  );
}

function schedulePolicy(
  world: World,
  changeAt: number,
  restoreAt: number,
  clock: ReturnType<typeof storyClock>,
  n: Narrator,
  stops: (() => Promise<void> | void)[],
): void {
  const change = setTimeout(() => {
    world.policy.id = HOTFIX_PACK;
    n.say("step", `HMS-CDF publishes ${HOTFIX_PACK}: not the approved ${APPROVED_PACK}`);
  }, clock.msUntil(changeAt));
  const restore = setTimeout(() => {
    world.policy.id = APPROVED_PACK;
    n.say("step", `HMS-CDF restores the approved pack ${APPROVED_PACK}`);
  }, clock.msUntil(restoreAt));
  stops.push(() => {
    clearTimeout(change);
    clearTimeout(restore);
  });
}

/** Polls `step` until it says the story is over, the deadline passes, or `signal` aborts. */
async function story(
  step: () => Promise<boolean>,
  everyMs: number,
  deadlineMs: number,
  signal: AbortSignal | undefined,
): Promise<"done" | "deadline" | "aborted"> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (signal?.aborted) return "aborted";
    if (await step()) return "done";
    if (Date.now() > deadline) return "deadline";
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function summarize(n: Narrator, r: DemoResult, how: "done" | "deadline" | "aborted"): void {
  if (how === "aborted") n.say("warn", "stopped before the end of the story");
  else if (how === "deadline") n.say("fail", "the story did not finish in time");
  for (const c of r.checks) n.say(c.ok ? "ok" : "fail", `${c.ok ? "checked" : "MISSING"}: ${c.what}`);
  n.say(r.ok ? "ok" : "fail", r.ok ? "demo complete: every expected thing happened" : "demo incomplete");
}
