/**
 * The probe kinds on their I/O thread, against real loopback servers. The thread runs the
 * compiled entry under dist/ (`npm test` builds first): vitest runs TypeScript sources, which a
 * worker thread cannot load.
 */

import { getEventListeners } from "node:events";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { HttpProbeConfig } from "../../../config/index.js";
import { systemClock } from "../../../core/clock.js";
import { ProbeScheduler } from "../../scheduler.js";
import {
  closedPort,
  httpProbe,
  startHttp,
  startTcp,
  type TestServer,
  tcpProbe,
  withTimeout,
} from "../../testing.case.js";
import { createHttpKind } from "../http.js";
import { type ProbeResult, ProbeTimeoutError } from "../types.js";
import { createThreadKinds } from "./host.js";
import { readRecord, writeRecord } from "./protocol.js";

const entry = new URL("../../../../dist/src/probes/kinds/worker/entry.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  throw new Error(`${fileURLToPath(entry)} is missing: run \`npm run build\` before these tests`);
}

const signal = () => AbortSignal.timeout(10_000);

/** What must agree between the thread and the in-process kind (not the timings). */
function outcome(r: ProbeResult) {
  return {
    probe: r.probe,
    ok: r.ok,
    status: r.status,
    error: r.error,
    reused: r.phases?.reused,
    tls: r.phases?.tls,
  };
}

describe("probe kinds on the I/O thread", () => {
  const kinds = createThreadKinds({ entry });
  const local = createHttpKind();
  const servers: TestServer[] = [];
  const serve = async (handler: Parameters<typeof startHttp>[0]) => {
    const s = await startHttp(handler);
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await kinds.close();
    local.close();
  });

  it("reports what the in-process kind reports, with timings from the thread", async () => {
    const srv = await serve((req, res) => {
      if (req.url === "/down") res.writeHead(503).end("down");
      else setTimeout(() => res.end("service is healthy"), 40);
    });
    const configs: HttpProbeConfig[] = [
      httpProbe({ name: "up", target: `${srv.url}/up`, expect: { body_contains: "healthy" } }),
      httpProbe({ name: "word", target: `${srv.url}/up`, expect: { body_contains: "absent" } }),
      httpProbe({ name: "down", target: `${srv.url}/down` }),
    ];
    for (const config of configs) {
      const before = Date.now();
      const there = await kinds.http.run(config, signal());
      const here = await local.run(config, signal());
      expect(outcome(there)).toEqual(outcome(here));
      expect(there.ts).toBeGreaterThanOrEqual(before);
      expect(there.latencyMs).toBe(there.phases?.totalMs);
    }
    const up = await kinds.http.run(configs[0] as HttpProbeConfig, signal());
    expect(up).toMatchObject({ ok: true, status: 200, phases: { reused: true, tls: false } });
    expect(up.latencyMs).toBeGreaterThanOrEqual(39);
    expect(outcome(await kinds.http.run(configs[2] as HttpProbeConfig, signal()))).toMatchObject({
      ok: false,
      status: 503,
      error: "expected status 200-399, got 503",
    });
  });

  it("runs many probes at once, each result to its own run", async () => {
    const srv = await serve((req, res) => setTimeout(() => res.end(req.url), Number(req.url?.slice(1)) % 30));
    const configs = Array.from({ length: 200 }, (_, i) =>
      httpProbe({ name: `p-${i}`, target: `${srv.url}/${i}`, expect: { body_contains: `/${i}` } }),
    );
    const results = await Promise.all(configs.map((c) => kinds.http.run(c, signal())));
    expect(results.map((r) => [r.probe, r.ok])).toEqual(configs.map((c) => [c.name, true]));
  });

  it("runs tcp probes there too", async () => {
    const srv = await startTcp();
    servers.push(srv);
    const open = await kinds.tcp.run(tcpProbe({ target: `127.0.0.1:${srv.port}` }), signal());
    expect(open).toMatchObject({ probe: "port", ok: true });
    const closed = await kinds.tcp.run(tcpProbe({ target: `127.0.0.1:${await closedPort()}` }), signal());
    expect(closed).toMatchObject({ ok: false, error: "ECONNREFUSED" });
  });

  it("answers a timeout at once, drops the socket, and leaves no listener on the signal", async () => {
    const srv = await serve(() => {});
    const controller = new AbortController();
    const pending = kinds.http.run(httpProbe({ target: srv.url, timeout: 150 }), controller.signal);
    setTimeout(() => controller.abort(new ProbeTimeoutError(150)), 150);
    const r = await withTimeout(pending, 2_000, "the aborted run");
    expect(r).toMatchObject({ ok: false, error: "timeout after 150 ms" });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    await srv.allClosed(2_000);

    const fine = new AbortController();
    await kinds.tcp.run(tcpProbe({ target: `127.0.0.1:${srv.port}` }), fine.signal);
    expect(getEventListeners(fine.signal, "abort")).toHaveLength(0);
  });

  it("fails the runs in flight when the thread goes, and starts a new one for the next run", async () => {
    let hold = true;
    const srv = await serve((_req, res) => {
      if (!hold) res.end("ok");
    });
    const config = httpProbe({ name: "held", target: srv.url });
    const pending = kinds.http.run(config, signal());
    await withTimeout(
      new Promise<void>((resolve) => {
        const poll = () => (srv.open() > 0 ? resolve() : setTimeout(poll, 5));
        poll();
      }),
      2_000,
      "the thread to connect",
    );
    await kinds.close();
    expect(await pending).toMatchObject({ probe: "held", ok: false, error: "probe thread closed" });
    const starts = kinds.thread().starts;
    await srv.allClosed(2_000);

    hold = false;
    // The same config object: the new thread must be sent it afresh.
    expect(await kinds.http.run(config, signal())).toMatchObject({ probe: "held", ok: true, status: 200 });
    expect(await kinds.http.run(config, signal())).toMatchObject({ ok: true, status: 200 });
    expect(kinds.thread().starts).toBe(starts + 1);
  });

  it("runs the thread at the nice value asked for (a higher one is always permitted)", async () => {
    const polite = createThreadKinds({ entry, nice: 5 });
    const srv = await serve((_req, res) => res.end("ok"));
    expect(await polite.http.run(httpProbe({ target: srv.url }), signal())).toMatchObject({ ok: true });
    expect(polite.thread()).toEqual({ starts: 1, nice: process.platform === "linux" ? 5 : undefined });
    await polite.close();
  });

  it("fails a run, naming why, when there is no thread script", async () => {
    const none = createThreadKinds({ entry: new URL("file:///nonexistent/entry.js") });
    const config = httpProbe({ target: "http://127.0.0.1:9/" });
    const r = await none.http.run(config, signal());
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/^probe thread (failed|exited)/);
    // Within the restart wait, runs fail at once for the same reason, without another thread.
    expect(await none.http.run(config, signal())).toMatchObject({ ok: false, error: r.error });
    expect(none.thread().starts).toBe(1);
    await none.close();
  });
});

describe("the scheduler over the I/O thread", () => {
  it("times out a hanging target and keeps the healthy probes on time, reusing its signals", async () => {
    const healthy = await startHttp((_req, res) => res.end("ok"));
    const hanging = await startHttp(() => {});
    const kinds = createThreadKinds({ entry });
    const results: ProbeResult[] = [];
    let done: () => void = () => {};
    const enough = new Promise<void>((r) => {
      done = r;
    });
    const names = Array.from({ length: 20 }, (_, i) => `ok-${i}`);
    const scheduler = new ProbeScheduler({
      clock: systemClock,
      kinds,
      onResult(result) {
        results.push(result);
        const timeouts = results.filter((r) => r.probe === "stuck").length;
        if (timeouts >= 2 && names.every((n) => results.filter((r) => r.probe === n).length >= 3)) done();
      },
    });
    try {
      scheduler.setProbes([
        httpProbe({ name: "stuck", target: hanging.url, interval: 300, timeout: 150 }),
        ...names.map((name) =>
          httpProbe({ name, target: `${healthy.url}/${name}`, interval: 300, timeout: 250 }),
        ),
      ]);
      scheduler.start();
      await withTimeout(enough, 5_000, "three runs of every healthy probe and two timeouts");
      scheduler.stop();
      const stuck = results.filter((r) => r.probe === "stuck");
      expect(stuck.every((r) => !r.ok && r.error === "timeout after 150 ms")).toBe(true);
      expect(results.filter((r) => r.probe !== "stuck").every((r) => r.ok && r.status === 200)).toBe(true);
      expect(scheduler.stats()).toMatchObject({ skipped: 0, kindErrors: 0 });
      // The thread dropped the timed-out runs' sockets.
      await hanging.allClosed(2_000);
    } finally {
      scheduler.stop();
      await kinds.close();
      await healthy.close();
      await hanging.close();
    }
  });
});

describe("thread result records", () => {
  it("carry every field of a result, and leave out the absent ones", () => {
    const full: ProbeResult = {
      probe: "x",
      ts: 5,
      ok: true,
      latencyMs: 12.345,
      status: 204,
      certDaysLeft: -1.5,
      phases: { dnsMs: 1, connectMs: 2, tlsMs: 3, firstByteMs: 4, totalMs: 12.345, reused: false, tls: true },
    };
    const bare: ProbeResult = { probe: "y", ts: 6, ok: false, latencyMs: 3, error: "ECONNREFUSED" };
    const records = new Float64Array(40);
    writeRecord(records, 0, 7, full);
    writeRecord(records, 1, 8, bare);
    expect(readRecord(records, 0, "x", 5, undefined)).toEqual(full);
    expect(readRecord(records, 1, "y", 6, "ECONNREFUSED")).toEqual(bare);
  });
});
