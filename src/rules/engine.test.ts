/** The engine's timing: exact `for` and `clear_for` deadlines, cancel, resolve, no data. */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { SloConfig } from "../config/index.js";
import { alertIdOf } from "./alert.js";
import { Harness, M, removeTempDirs, S, slo, T0 } from "./testing/harness.js";

const web = { probe: "web" };
let h: Harness;

afterEach(async () => {
  await h.close();
});

afterAll(removeTempDirs);

async function withRule(o: SloConfig, interval = 45 * S) {
  h = await Harness.open();
  await h.engine.setRules([o]);
  h.engine.start(interval);
}

describe("for: pending, then firing exactly when the hold completes", () => {
  it("fires by timer at activeAt + for, before the next tick", async () => {
    await withRule(slo({ name: "lat", probe: "web", when: "latency > 250ms for 2m" }));
    await h.advance(10 * S);
    await h.push("latency", web, 300);
    expect(h.kinds()).toEqual(["pending@10000"]);
    expect(h.engine.scheduledDeadlines).toBe(1);

    // Ticks at 45 s and 90 s see the breach but the hold is not complete.
    await h.advanceTo(T0 + 130 * S - 1);
    expect(h.kinds()).toEqual(["pending@10000"]);
    await h.advance(1);
    // 130 s is no tick (ticks are at 45, 90, 135 s): the deadline timer fired it.
    expect(h.kinds()).toEqual(["pending@10000", "firing@130000"]);
    const firing = h.committed[1];
    expect(firing).toMatchObject({
      kind: "firing",
      slo: "lat",
      probe: "web",
      value: 300,
      unit: "ms",
      condition: "latency > 250ms for 2m",
      severity: "page",
      episode: 1,
      activeAt: T0 + 10 * S,
      firedAt: T0 + 130 * S,
      labels: { probe: "web" },
      seriesKey: 'latency{probe="web"}',
      alertId: alertIdOf("lat", 'latency{probe="web"}'),
    });
    expect(h.engine.scheduledDeadlines).toBe(0);
    await h.advance(5 * M);
    expect(h.kinds()).toHaveLength(2);
  });

  it("a false evaluation cancels the pending alert and its timer", async () => {
    await withRule(slo({ name: "lat", probe: "web", when: "latency > 250ms for 2m" }));
    await h.push("latency", web, 300);
    await h.advance(60 * S);
    await h.push("latency", web, 100);
    expect(h.kinds()).toEqual(["pending@0", "cancelled@60000"]);
    expect(h.committed[1]).toMatchObject({ value: 100, episode: 1, activeAt: T0, firedAt: null });
    expect(h.engine.scheduledDeadlines).toBe(0);
    await h.advance(5 * M);
    expect(h.kinds()).toEqual(["pending@0", "cancelled@60000"]);
    expect(h.engine.alerts()[0]).toMatchObject({ state: "ok", since: T0 + 60 * S, value: 100, episode: 0 });
  });

  it("without for: fires on the first true evaluation; resolves at once when false", async () => {
    await withRule(slo({ name: "lat", probe: "web", when: "latency > 250ms" }));
    await h.advance(5 * S);
    await h.push("latency", web, 400);
    await h.advance(2 * S);
    await h.push("latency", web, 120);
    expect(h.kinds()).toEqual(["firing@5000", "resolved@7000"]);
    expect(h.committed[1]).toMatchObject({
      kind: "resolved",
      value: 120,
      episode: 1,
      activeAt: T0 + 5 * S,
      firedAt: T0 + 5 * S,
    });
    await h.push("latency", web, 500);
    expect(h.committed[2]).toMatchObject({ kind: "firing", episode: 2 });
  });

  it("clear_for: resolves by timer once the condition stayed false that long; a breach restarts it", async () => {
    await withRule(slo({ name: "lat", probe: "web", when: "latency > 250ms", clear_for: 60 * S }), 50 * S);
    await h.push("latency", web, 400);
    await h.advance(10 * S);
    await h.push("latency", web, 100);
    await h.advance(30 * S);
    await h.push("latency", web, 400); // breach again at 40 s: clearing starts over
    await h.advance(5 * S);
    await h.push("latency", web, 100); // clearing from 45 s
    await h.advanceTo(T0 + 105 * S - 1);
    expect(h.kinds()).toEqual(["firing@0"]);
    await h.advance(1);
    // 105 s is no tick (ticks at 50, 100, 150 s).
    expect(h.kinds()).toEqual(["firing@0", "resolved@105000"]);
    expect(h.committed[1]).toMatchObject({ value: 100, firedAt: T0, episode: 1 });
  });

  it("a deadline and a sample at the same moment: one firing, no duplicate", async () => {
    await withRule(slo({ name: "lat", probe: "web", when: "latency > 250ms for 1m" }));
    await h.push("latency", web, 300);
    await h.advanceTo(T0 + 60 * S - 1);
    h.clock.advance(1);
    const id = h.series.add("latency", web, h.clock.now(), 310);
    await h.engine.evaluate([id]);
    await h.engine.idle();
    expect(h.kinds()).toEqual(["pending@0", "firing@60000"]);
  });
});

describe("no data", () => {
  it("keep: a stale series changes nothing", async () => {
    await withRule(slo({ name: "lat", probe: "web", when: "latency > 250ms", no_data: "keep" }), 30 * S);
    await h.push("latency", web, 400);
    await h.advance(20 * M);
    expect(h.kinds()).toEqual(["firing@0"]);
    expect(h.engine.alerts()[0]?.state).toBe("firing");
  });

  it("resolve: the latest sample goes stale after 5 min, and the alert resolves with value null", async () => {
    await withRule(slo({ name: "lat", probe: "web", when: "latency > 250ms", no_data: "resolve" }), 30 * S);
    await h.push("latency", web, 400);
    await h.advance(5 * M);
    expect(h.kinds()).toEqual(["firing@0"]); // exactly 5 min old is still fresh
    await h.advance(30 * S);
    expect(h.kinds()).toEqual(["firing@0", "resolved@330000"]);
    expect(h.committed[1]?.value).toBeNull();
  });

  it("a probe's series stays current for two of its intervals when the probe config is given", async () => {
    h = await Harness.open();
    const rules = [slo({ name: "q", probe: "q", when: "value > 1", no_data: "resolve" })];
    const probes = [{ name: "q", type: "push" as const, interval: 10 * M, timeout: 0, labels: {} }];
    await h.engine.setRules(rules, { probes });
    h.engine.start(M);
    await h.push("value", { probe: "q" }, 5);
    await h.advance(20 * M, 10 * S);
    expect(h.kinds()).toEqual(["firing@0"]);
    await h.advance(M, 10 * S);
    expect(h.kinds()).toEqual(["firing@0", "resolved@1260000"]);
  });

  it("resolve with over: the window decides, not the 5 min staleness", async () => {
    await withRule(
      slo({ name: "lat", probe: "web", when: "avg(latency) > 250ms over 1m", no_data: "resolve" }),
      10 * S,
    );
    await h.push("latency", web, 400);
    await h.advance(59 * S);
    expect(h.kinds()).toEqual(["firing@0"]);
    // The tick at 60 s sees an empty window: (now − over, now] excludes the sample at now − over.
    await h.advance(1 * S);
    expect(h.kinds()).toEqual(["firing@0", "resolved@60000"]);
  });

  it("alert: a silent series counts as a breach, and data back below resolves", async () => {
    await withRule(
      slo({ name: "beat", probe: "web", when: "latency > 250ms for 1m", no_data: "alert" }),
      30 * S,
    );
    await h.push("latency", web, 100);
    await h.advance(5 * M + 30 * S);
    expect(h.kinds()).toEqual(["pending@330000"]);
    expect(h.committed[0]?.value).toBeNull();
    await h.advance(60 * S);
    expect(h.kinds()).toEqual(["pending@330000", "firing@390000"]);
    await h.push("latency", web, 100);
    expect(h.kinds()[2]).toBe("resolved@390000");
  });

  it("count over a window is 0 when silent, so `count(x) < 1` detects silence", async () => {
    await withRule(slo({ name: "quiet", probe: "web", when: "count(latency) < 1 over 1m" }), 15 * S);
    await h.push("latency", web, 100);
    await h.advance(75 * S);
    expect(h.kinds()).toEqual(["firing@60000"]);
    expect(h.committed[0]?.value).toBe(0);
  });
});
