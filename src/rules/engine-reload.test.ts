/** Config reload: unchanged rules keep their alerts, changed conditions restart, removed rules end. */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DEMAND_MARGIN } from "./compile.js";
import { Harness, M, removeTempDirs, S, slo } from "./testing/harness.js";

const web = { probe: "web" };
let h: Harness;

afterEach(async () => {
  await h.close();
});

afterAll(removeTempDirs);

describe("setRules on reload", () => {
  it("a rule with the same name and condition keeps its pending alert and deadline", async () => {
    h = await Harness.open();
    await h.engine.setRules([slo({ name: "lat", probe: "web", when: "latency > 250ms for 2m" })]);
    await h.push("latency", web, 300);
    await h.advance(60 * S);
    await h.engine.setRules([
      slo({ name: "lat", probe: "web", when: "latency > 250ms for 2m", severity: "legal" }),
      slo({ name: "other", probe: "web", when: "latency > 900ms" }),
    ]);
    expect(h.kinds()).toEqual(["pending@0"]);
    await h.advanceTo(h.clock.now() + 60 * S);
    expect(h.kinds()).toEqual(["pending@0", "firing@120000"]);
    expect(h.committed[1]?.severity).toBe("legal");
  });

  it("a changed condition restarts the alert: firing → resolved, re-evaluated, episode count kept", async () => {
    h = await Harness.open();
    await h.engine.setRules([slo({ name: "lat", probe: "web", when: "latency > 250ms" })]);
    await h.push("latency", web, 300);
    const [before] = h.engine.alerts();
    await h.advance(10 * S);
    await h.engine.setRules([slo({ name: "lat", probe: "web", when: "latency > 500ms" })]);
    expect(h.kinds()).toEqual(["firing@0", "resolved@10000"]);
    expect(h.committed[1]).toMatchObject({
      value: null,
      episode: 1,
      condition: "latency > 250ms",
      firedAt: h.committed[0]?.at,
    });
    const [after] = h.engine.alerts();
    expect(after).toMatchObject({ alertId: before?.alertId, state: "ok", episode: 1 });
    await h.push("latency", web, 600);
    expect(h.committed[2]).toMatchObject({ kind: "firing", episode: 2, condition: "latency > 500ms" });
    expect((await h.rows())[0]?.condition).toBe("latency > 500ms");
  });

  it("a changed `for` restarts a pending alert from the reload", async () => {
    h = await Harness.open();
    await h.engine.setRules([slo({ name: "lat", probe: "web", when: "latency > 250ms for 2m" })]);
    await h.push("latency", web, 300);
    await h.advance(30 * S);
    await h.engine.setRules([slo({ name: "lat", probe: "web", when: "latency > 250ms for 1m" })]);
    expect(h.kinds()).toEqual(["pending@0", "cancelled@30000", "pending@30000"]);
    await h.advance(60 * S);
    expect(h.kinds().at(-1)).toBe("firing@90000");
  });

  it("a removed rule's alerts end (firing → resolved, pending → cancelled) and disappear", async () => {
    h = await Harness.open();
    await h.engine.setRules([
      slo({ name: "fast", probe: "web", when: "latency > 250ms" }),
      slo({ name: "slow", probe: "web", when: "latency > 250ms for 5m" }),
    ]);
    await h.push("latency", web, 300);
    expect((await h.rows()).length).toBe(2);
    await h.advance(S);
    await h.engine.setRules([]);
    expect(h.kinds().slice(2).sort()).toEqual(["cancelled@1000", "resolved@1000"]);
    expect(h.engine.alerts()).toEqual([]);
    expect(h.engine.sloStates()).toEqual([]);
    expect(h.engine.scheduledDeadlines).toBe(0);
    // The alert that fired keeps an ok tombstone with its episode count; the other row is gone.
    const rows = await h.rows();
    expect(rows.map((r) => [r.slo, JSON.parse(r.status)])).toEqual([
      ["fast", expect.objectContaining({ state: "ok", episode: 1 })],
    ]);
    await h.advance(10 * M);
    expect(h.committed).toHaveLength(4);
  });

  it("a rule removed and added back continues its alerts' episode count (a new page, not a dedup)", async () => {
    h = await Harness.open();
    const rules = [slo({ name: "lat", probe: "web", when: "latency > 250ms" })];
    await h.engine.setRules(rules);
    await h.push("latency", web, 300);
    await h.engine.setRules([]);
    await h.engine.setRules(rules);
    expect(h.engine.alerts()[0]).toMatchObject({ state: "firing", episode: 2 });
    expect(h.committed.map((e) => `${e.kind}#${e.episode}`)).toEqual(["firing#1", "resolved#1", "firing#2"]);
    expect(new Set(h.committed.map((e) => e.alertId)).size).toBe(1);
  });

  it("a changed probe ends the old probe's alerts and starts the new one's", async () => {
    h = await Harness.open();
    await h.engine.setRules([slo({ name: "lat", probe: "web", when: "latency > 250ms" })]);
    await h.push("latency", web, 300);
    await h.push("latency", { probe: "api" }, 300);
    await h.engine.setRules([slo({ name: "lat", probe: "api", when: "latency > 250ms" })]);
    expect(h.committed.map((e) => `${e.kind}:${e.labels.probe}`)).toEqual([
      "firing:web",
      "resolved:web",
      "firing:api",
    ]);
    expect(h.engine.alerts().map((a) => a.labels.probe)).toEqual(["api"]);
  });

  it("a shorter clear_for on a kept rule re-arms the deadline", async () => {
    h = await Harness.open();
    await h.engine.setRules([slo({ name: "lat", probe: "web", when: "latency > 250ms", clear_for: 5 * M })]);
    await h.push("latency", web, 300);
    await h.advance(10 * S);
    await h.push("latency", web, 100);
    await h.advance(10 * S);
    await h.engine.setRules([slo({ name: "lat", probe: "web", when: "latency > 250ms", clear_for: M })]);
    await h.advance(49 * S);
    expect(h.kinds()).toEqual(["firing@0"]);
    await h.advance(S);
    expect(h.kinds()).toEqual(["firing@0", "resolved@70000"]);
  });

  it("declares hot demand per metric and resets it on reload", async () => {
    h = await Harness.open();
    await h.engine.setRules([
      slo({ name: "wait", probe: "q", when: "avg(value) > 60s over 1m for 2m" }),
      slo({ name: "lat", probe: "web", when: "latency > 250ms for 3m" }),
    ]);
    expect(Object.fromEntries(h.series.demands)).toEqual({
      value: 3 * M + DEMAND_MARGIN,
      latency: 3 * M + DEMAND_MARGIN,
    });
    await h.engine.setRules([slo({ name: "lat", probe: "web", when: "p99(latency) > 250ms over 5m" })]);
    expect(Object.fromEntries(h.series.demands)).toEqual({ latency: 5 * M + DEMAND_MARGIN });
  });
});

describe("objective SLOs", () => {
  it("are evaluated beside threshold SLOs: two burn-tier alerts each, one status line", async () => {
    h = await Harness.open();
    const slos = [
      slo({ name: "avail", probe: "web", objective: 0.999, good: "ok == 1 and latency <= 250ms" }),
      slo({ name: "lat", probe: "web", when: "latency > 250ms" }),
    ];
    await h.engine.setRules(slos);
    await h.engine.setRules(slos);
    await h.push("ok", web, 0);
    await h.push("latency", web, 900);
    expect(h.engine.alerts().map((a) => `${a.slo} ${a.labels.burn_tier ?? "-"}`)).toEqual([
      "lat -",
      "avail page",
      "avail ticket",
    ]);
    expect(h.engine.sloStates().map((s) => s.name)).toEqual(["lat", "avail"]);
    expect(h.engine.skipped()).toEqual([]);
    // A reload that removes it ends its alerts (ok ones end silently).
    await h.engine.setRules([slos[1] as (typeof slos)[number]]);
    expect(h.engine.alerts().map((a) => a.slo)).toEqual(["lat"]);
  });

  it("an unparsable condition is logged and skipped; the other rules run", async () => {
    h = await Harness.open();
    await h.engine.setRules([
      slo({ name: "bad", probe: "web", when: "mean(latency) > 1" }),
      slo({ name: "lat", probe: "web", when: "latency > 250ms" }),
    ]);
    await h.push("latency", web, 900);
    expect(h.engine.alerts().map((a) => `${a.slo}:${a.state}`)).toEqual(["lat:firing"]);
  });
});
