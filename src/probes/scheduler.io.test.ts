/** The scheduler with the real http kind, real loopback servers and the system clock. */
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../core/clock.js";
import { createHttpKind } from "./kinds/http.js";
import { tcpKind } from "./kinds/tcp.js";
import type { ProbeResult } from "./kinds/types.js";
import { ProbeScheduler } from "./scheduler.js";
import { httpProbe, startHttp, type TestServer, withTimeout } from "./testing.case.js";

describe("ProbeScheduler with real I/O", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it("keeps healthy probes on time while a hanging target times out and loses its sockets", async () => {
    const healthy: TestServer = await startHttp((_req, res) => res.end("ok"));
    const hanging: TestServer = await startHttp(() => {});
    const kind = createHttpKind();
    cleanups.push(
      () => healthy.close(),
      () => hanging.close(),
      () => kind.close(),
    );
    const results: ProbeResult[] = [];
    let done: () => void = () => {};
    const enough = new Promise<void>((r) => {
      done = r;
    });
    const healthyNames = Array.from({ length: 20 }, (_, i) => `ok-${i}`);
    const scheduler = new ProbeScheduler({
      clock: systemClock,
      kinds: { http: kind, tcp: tcpKind },
      onResult(result) {
        results.push(result);
        const timeouts = results.filter((r) => r.probe === "stuck").length;
        const each = healthyNames.every((n) => results.filter((r) => r.probe === n).length >= 3);
        if (timeouts >= 2 && each) done();
      },
    });
    cleanups.push(() => scheduler.stop());
    scheduler.setProbes([
      httpProbe({ name: "stuck", target: hanging.url, interval: 300, timeout: 150 }),
      ...healthyNames.map((name) =>
        httpProbe({ name, target: `${healthy.url}/${name}`, interval: 300, timeout: 250 }),
      ),
    ]);
    scheduler.start();
    await withTimeout(enough, 5_000, "three runs of every healthy probe and two timeouts");
    scheduler.stop();

    const stuck = results.filter((r) => r.probe === "stuck");
    expect(stuck.every((r) => !r.ok && r.error === "timeout after 150 ms")).toBe(true);
    const ok = results.filter((r) => r.probe !== "stuck");
    expect(ok.every((r) => r.ok && r.status === 200)).toBe(true);
    expect(Math.max(...ok.map((r) => r.latencyMs))).toBeLessThan(100);
    const stats = scheduler.stats();
    expect(stats.skipped).toBe(0);
    // Held behind the hanging run, the others would start ≥ 150 ms late.
    expect(stats.lateness.p99).toBeLessThan(100);
    await hanging.allClosed(2_000);
  });
});
