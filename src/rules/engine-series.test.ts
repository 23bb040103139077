/** Which series an SLO reads: one alert per matching series, new series, the arrival index. */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Harness, M, removeTempDirs, S, slo } from "./testing/harness.js";

let h: Harness;

afterEach(async () => {
  await h.close();
});

afterAll(removeTempDirs);

const WAIT = "avg(value) > 60s over 1m for 2m";

/** Three label sets, `north` under the threshold, a sample every 10 s for `ms`. */
async function feed(metric: string, base: Record<string, string>, ms: number) {
  for (let t = 0; t < ms; t += 10 * S) {
    const ids = h.series.append(
      ["east", "west", "north"].map((region) => ({
        metric,
        labels: { ...base, region },
        value: region === "north" ? 30_000 : 90_000,
        ts: h.clock.now(),
      })),
    );
    await h.engine.evaluate(ids);
    await h.advance(10 * S);
  }
}

describe("one alert per matching series", () => {
  it("free-standing pushed metric: 3 label sets, 2 breaching → 2 alerts fire", async () => {
    h = await Harness.open();
    await h.engine.setRules([
      slo({ name: "sla_wait_time", when: WAIT.replace("value", "wait"), severity: "legal" }),
    ]);
    h.engine.start(5 * S);
    await feed("wait", {}, 3 * M);
    const alerts = h.engine.alerts();
    expect(alerts).toHaveLength(3);
    const firing = alerts.filter((a) => a.state === "firing").map((a) => a.labels.region);
    expect(firing.sort()).toEqual(["east", "west"]);
    expect(h.committed.filter((e) => e.kind === "firing")).toHaveLength(2);
    expect(h.committed[0]).toMatchObject({ probe: null, severity: "legal", value: 90_000, unit: "ms" });
    expect(new Set(alerts.map((a) => a.alertId)).size).toBe(3);
    expect(h.engine.sloStates()).toEqual([
      { name: "sla_wait_time", state: "firing", since: expect.any(Number), value: 90_000, severity: "legal" },
    ]);
  });

  it("a push probe's default metric `value`, with label sets under the probe", async () => {
    h = await Harness.open();
    await h.engine.setRules([
      slo({
        name: "osers",
        probe: "osers-wait-time",
        when: WAIT,
        labels: { team: "sre", region: "slo-wins" },
      }),
    ]);
    await feed("value", { probe: "osers-wait-time" }, 3 * M);
    // Another probe's and a free-standing `value` are not this SLO's series.
    h.series.add("value", { probe: "other", region: "east" }, h.clock.now(), 99_000);
    h.series.add("value", { region: "east" }, h.clock.now(), 99_000);
    await h.engine.evaluate();
    const alerts = h.engine.alerts();
    expect(alerts).toHaveLength(3);
    expect(alerts.filter((a) => a.state === "firing")).toHaveLength(2);
    // The SLO's labels are merged over the series' labels and win a conflict.
    expect(alerts[0]?.labels).toEqual({ probe: "osers-wait-time", region: "slo-wins", team: "sre" });
  });

  it("a free-standing SLO ignores probe series of the same metric", async () => {
    h = await Harness.open();
    await h.engine.setRules([slo({ name: "any-latency", when: "latency > 250ms" })]);
    await h.push("latency", { probe: "web" }, 900);
    await h.push("latency", { host: "a" }, 900);
    expect(h.engine.alerts().map((a) => a.labels)).toEqual([{ host: "a" }]);
  });
});

describe("series that appear later", () => {
  it("get an alert on arrival", async () => {
    h = await Harness.open();
    await h.engine.setRules([slo({ name: "cost", when: "increase(cost_usd) > 100 over 15m" })]);
    expect(h.engine.alerts()).toEqual([]);
    await h.push("cost_usd", { account: "a" }, 0);
    await h.advance(M);
    await h.push("cost_usd", { account: "a" }, 150);
    expect(h.engine.alerts()).toMatchObject([{ labels: { account: "a" }, state: "firing", value: 150 }]);
  });

  it("get an alert on the next tick when nobody evaluated them on arrival", async () => {
    h = await Harness.open();
    await h.engine.setRules([slo({ name: "lat", probe: "web", when: "latency > 250ms" })]);
    h.engine.start(5 * S);
    h.series.add("latency", { probe: "web", path: "/a" }, h.clock.now(), 300);
    expect(h.engine.alerts()).toEqual([]);
    await h.advance(5 * S);
    expect(h.engine.alerts()).toMatchObject([{ labels: { path: "/a" }, state: "firing" }]);
  });
});

describe("evaluation on arrival", () => {
  it("reads only the series that received samples", async () => {
    h = await Harness.open();
    await h.engine.setRules([
      slo({ name: "a", probe: "a", when: "avg(latency) > 250ms over 1m" }),
      slo({ name: "b", probe: "b", when: "avg(latency) > 250ms over 1m" }),
      slo({ name: "b-max", probe: "b", when: "max(latency) > 900ms over 1m" }),
    ]);
    const a = await h.push("latency", { probe: "a" }, 100);
    const b = await h.push("latency", { probe: "b" }, 100);
    const reads: number[] = [];
    const window = h.series.window.bind(h.series);
    h.series.window = (id, from, to) => {
      reads.push(id);
      return window(id, from, to);
    };
    await h.engine.evaluate([b]);
    expect(reads).toEqual([b, b]);
    reads.length = 0;
    await h.engine.evaluate([a]);
    expect(reads).toEqual([a]);
    reads.length = 0;
    await h.engine.evaluate([12345]); // unknown to the series store: nothing to read
    expect(reads).toEqual([]);
  });

  it("requests that arrive while a batch waits merge into it", async () => {
    h = await Harness.open();
    await h.engine.setRules([slo({ name: "lat", probe: "web", when: "latency > 250ms" })]);
    const id = h.series.add("latency", { probe: "web" }, h.clock.now(), 300);
    const txs = h.store.txs;
    await Promise.all([h.engine.evaluate([id]), h.engine.evaluate([id]), h.engine.evaluate()]);
    expect(h.store.txs - txs).toBe(1);
    expect(h.kinds()).toEqual(["firing@0"]);
  });
});
