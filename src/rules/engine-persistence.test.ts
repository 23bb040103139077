/** alert_states: written only on change, resumed after a restart, rolled back with the sink. */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.js";
import { FakeSeriesStore } from "./testing/fake-series.js";
import { Harness, M, removeTempDirs, S, slo, T0 } from "./testing/harness.js";

const web = { probe: "web" };
const open: Harness[] = [];

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

afterAll(removeTempDirs);

async function harness(...args: Parameters<typeof Harness.open>): Promise<Harness> {
  const h = await Harness.open(...args);
  open.push(h);
  return h;
}

/** Stops `h` and opens a new engine on the same store file, clock and series: a process restart. */
async function restart(h: Harness): Promise<Harness> {
  await h.close();
  open.splice(open.indexOf(h), 1);
  return harness({ file: h.file, clock: h.clock, series: h.series });
}

describe("persistence policy", () => {
  it("writes only when a persisted field changes, never for a new value on a tick", async () => {
    const h = await harness();
    await h.engine.setRules([
      slo({ name: "lat", probe: "web", when: "avg(latency) > 250ms over 1m for 2m" }),
    ]);
    h.engine.start(S);
    for (let i = 0; i < 60; i++) {
      h.series.append(
        ["a", "b", "c"].map((path) => ({
          metric: "latency",
          labels: { ...web, path },
          value: 100 + i,
          ts: h.clock.now(),
        })),
      );
      await h.advance(S);
    }
    expect(h.engine.alerts()).toHaveLength(3);
    expect(h.engine.alerts()[0]?.value).toBe(130); // avg of 101..159: the value moved, in memory only
    expect(h.store.txs).toBe(0);
    expect(h.store.rowWrites).toBe(0);

    await h.push("latency", { ...web, path: "a" }, 10_000); // avg jumps over 250 ms: pending
    expect(h.store.txs).toBe(1);
    expect(h.store.rowWrites).toBe(1);
    for (let i = 0; i < 120; i++) {
      h.series.add("latency", { ...web, path: "a" }, h.clock.now(), 10_000 + i);
      if (i === 119) expect(h.store.rowWrites).toBe(1); // still pending: nothing new to write
      await h.advance(S);
    }
    expect(h.kinds()).toEqual(["pending@60000", "firing@180000"]);
    expect(h.store.txs).toBe(2);
    expect(h.store.rowWrites).toBe(2);
  });
});

describe("restart", () => {
  it("mid-pending: fires at the original deadline, without a second pending", async () => {
    let h = await harness();
    const rules = [slo({ name: "lat", probe: "web", when: "latency > 250ms for 2m" })];
    await h.engine.setRules(rules);
    await h.advance(10 * S);
    await h.push("latency", web, 300);
    await h.advance(50 * S);
    h = await restart(h);
    await h.engine.load();
    await h.engine.setRules(rules);
    expect(h.engine.alerts()[0]).toMatchObject({ state: "pending", activeAt: T0 + 10 * S });
    await h.advanceTo(T0 + 130 * S - 1);
    expect(h.committed).toEqual([]);
    await h.advance(1);
    expect(h.kinds()).toEqual(["firing@130000"]);
    expect(h.committed[0]).toMatchObject({ activeAt: T0 + 10 * S, episode: 1, value: 300 });
  });

  it("a deadline that passed while down fires at start, not in the past", async () => {
    let h = await harness();
    const rules = [slo({ name: "lat", probe: "web", when: "latency > 250ms for 2m" })];
    await h.engine.setRules(rules);
    await h.push("latency", web, 300);
    await h.close();
    open.length = 0;
    h.clock.advance(3 * M);
    h = await harness({ file: h.file, clock: h.clock, series: new FakeSeriesStore() });
    await h.engine.setRules(rules); // loads by itself; the series is not back yet
    h.clock.advance(0); // the deadline timer, armed for now
    await h.engine.idle();
    expect(h.kinds()).toEqual(["firing@180000"]);
    expect(h.engine.alerts()[0]).toMatchObject({ state: "firing", labels: web, activeAt: T0 });
  });

  it("while firing: no second firing event; resolving later works, same episode", async () => {
    let h = await harness();
    const rules = [slo({ name: "lat", probe: "web", when: "latency > 250ms" })];
    await h.engine.setRules(rules);
    await h.push("latency", web, 300);
    await h.advance(30 * S);
    h = await restart(h);
    await h.engine.setRules(rules);
    h.engine.start(5 * S);
    await h.advance(M);
    expect(h.committed).toEqual([]);
    expect(h.engine.alerts()[0]).toMatchObject({ state: "firing", firedAt: T0, episode: 1 });
    await h.push("latency", web, 100);
    expect(h.committed).toMatchObject([{ kind: "resolved", episode: 1, firedAt: T0, at: T0 + 90 * S }]);
  });

  it("a rule removed while down ends its firing alert at start, named as it was", async () => {
    let h = await harness();
    await h.engine.setRules([
      slo({ name: "lat", probe: "web", when: "latency > 250ms", severity: "legal", labels: { team: "a" } }),
    ]);
    await h.push("latency", web, 300);
    h = await restart(h);
    await h.engine.setRules([]);
    expect(h.committed).toMatchObject([
      {
        kind: "resolved",
        slo: "lat",
        severity: "legal",
        labels: { probe: "web", team: "a" },
        unit: "ms",
        value: null,
      },
    ]);
    expect((await h.rows()).map((r) => JSON.parse(r.status).state)).toEqual(["ok"]); // the tombstone
  });

  it("a tombstone survives restarts: the alert coming back fires as a new episode", async () => {
    let h = await harness();
    const rules = [slo({ name: "lat", probe: "web", when: "latency > 250ms" })];
    await h.engine.setRules(rules);
    await h.push("latency", web, 300);
    await h.engine.setRules([]);
    h = await restart(h);
    await h.engine.setRules([]);
    h = await restart(h);
    const txs = h.store.txs;
    await h.engine.setRules(rules);
    expect(h.committed).toMatchObject([{ kind: "firing", episode: 2 }]);
    expect(h.store.txs - txs).toBe(1);
  });
});

describe("a failing sink", () => {
  it("rolls the transaction and the in-memory statuses back; the next evaluation retries", async () => {
    const h = await harness();
    await h.engine.setRules([slo({ name: "lat", probe: "web", when: "latency > 250ms" })]);
    h.sink.failNext = 1;
    await h.push("latency", web, 300);
    expect(h.sink.handled).toHaveLength(1);
    expect(h.committed).toEqual([]);
    expect(h.engine.alerts()[0]?.state).toBe("ok");
    expect(await h.rows()).toEqual([]);
    expect(await h.store.all("SELECT * FROM sink_log")).toEqual([]);

    await h.advance(S);
    await h.engine.evaluate();
    expect(h.kinds()).toEqual(["firing@1000"]);
    expect(h.engine.alerts()[0]?.state).toBe("firing");
    expect((await h.rows()).map((r) => JSON.parse(r.status).state)).toEqual(["firing"]);
    expect(await h.store.all("SELECT kind, at FROM sink_log")).toEqual([{ kind: "firing", at: T0 + S }]);
  });

  it("a deadline step that fails is retried by a back-off timer, without any evaluation", async () => {
    const h = await harness({ engine: { retryAfter: 2 * S } });
    await h.engine.setRules([slo({ name: "lat", probe: "web", when: "latency > 250ms for 1m" })]);
    await h.push("latency", web, 300);
    h.sink.failNext = 2;
    await h.advanceTo(T0 + 60 * S);
    expect(h.kinds()).toEqual(["pending@0"]);
    expect(h.engine.alerts()[0]?.state).toBe("pending");
    await h.advance(2 * S); // first retry fails too; the next waits 4 s
    expect(h.sink.handled).toHaveLength(3);
    await h.advance(3 * S);
    expect(h.kinds()).toEqual(["pending@0"]);
    await h.advance(S);
    expect(h.kinds()).toEqual(["pending@0", "firing@66000"]);
    expect((await h.rows()).map((r) => JSON.parse(r.status).state)).toEqual(["firing"]);
  });

  it("removing a rule while the sink fails still ends its alert once the sink is back", async () => {
    const h = await harness({ clock: new FakeClock(T0) });
    await h.engine.setRules([slo({ name: "lat", probe: "web", when: "latency > 250ms" })]);
    await h.push("latency", web, 300);
    h.sink.failNext = 1;
    await h.engine.setRules([]);
    expect(h.kinds()).toEqual(["firing@0"]);
    expect(h.engine.alerts()).toEqual([]);
    await h.advance(S);
    expect(h.kinds()).toEqual(["firing@0", "resolved@0"]);
    expect((await h.rows()).map((r) => JSON.parse(r.status).state)).toEqual(["ok"]);
  });

  it("a rule removed while the sink fails and added back before the retry: a new episode", async () => {
    const h = await harness();
    const rules = [slo({ name: "lat", probe: "web", when: "latency > 250ms" })];
    await h.engine.setRules(rules);
    await h.push("latency", web, 300);
    h.sink.failNext = 1;
    await h.engine.setRules([]);
    await h.engine.setRules(rules);
    expect(h.committed.map((e) => `${e.kind}#${e.episode}`)).toEqual(["firing#1", "resolved#1", "firing#2"]);
    expect((await h.rows()).map((r) => JSON.parse(r.status))).toMatchObject([
      { state: "firing", episode: 2 },
    ]);
  });
});
