import { describe, expect, it } from "vitest";
import type { SloConfig } from "../../config/index.js";
import type { Incident } from "../../incidents/index.js";
import { alertEvent, resolvedOf, T0 } from "../../sirens/fixtures.case.js";
import type { Tx } from "../../store/index.js";
import type { DispatchConfig } from "../config.js";
import type { EpisodeRecord } from "../episodes.js";
import { newItem } from "../pipeline.js";
import { composeFiring, composeResolved, targetOf } from "./compose.js";

describe("targetOf", () => {
  it("reads the threshold of a `when` condition in the notification's units", () => {
    expect(targetOf("latency > 250ms for 3m")).toEqual({ op: ">", value: 250, unit: "ms" });
    expect(targetOf("avg(value) > 60s over 1m for 2m")).toEqual({ op: ">", value: 60_000, unit: "ms" });
    expect(targetOf("avg(ok) < 99.5% over 5m")).toEqual({ op: "<", value: 0.995, unit: "%" });
    expect(targetOf("increase(cost_usd) >= 40000 over 15m")).toEqual({ op: ">=", value: 40_000, unit: "" });
  });

  it("has no target for what is not a plain threshold", () => {
    expect(targetOf("burn rate 14.4x over 1h and 5m")).toBeUndefined();
    expect(targetOf("")).toBeUndefined();
  });
});

describe("compose stages", () => {
  const config = {
    slos: new Map(),
    sirens: {},
    receivers: {},
    baseUrl: "http://ops.example",
    reopenWithinMs: 0,
  } satisfies DispatchConfig;
  const tx = {} as Tx;
  const legal = { sla: "Answer calls in under 60 seconds", statute: "5 U.S.C. 552" };

  it("fills target and notified (the episode's receivers) on the firing, and the legal block", async () => {
    const item = newItem(alertEvent({ severity: "legal" }), config);
    item.receivers = ["pager", "counsel"];
    item.siren = "compliance";
    item.policyId = "pack-1";
    item.slo = { legal } as SloConfig;
    item.incident = { id: "INC-ABC123" } as Incident;
    const out = await composeFiring().run(tx, item);
    expect(out?.notification).toMatchObject({
      target: { op: ">", value: 250, unit: "ms" },
      notified: ["pager", "counsel"],
      legal,
      incident: { id: "INC-ABC123", url: "http://ops.example/incidents/INC-ABC123" },
    });
  });

  it("gives the resolve everyone told of the episode, escalations included", async () => {
    const firingItem = newItem(alertEvent(), config);
    firingItem.receivers = ["pager"];
    firingItem.incident = { id: "INC-ABC123" } as Incident;
    const firing = (await composeFiring().run(tx, firingItem))!.notification!;

    const item = newItem(resolvedOf(alertEvent(), T0 + 60_000), config);
    item.receivers = ["pager", "pager-secondary"];
    item.episode = { firing } as EpisodeRecord;
    const out = await composeResolved().run(tx, item);
    expect(out?.notification).toMatchObject({
      status: "resolved",
      dedupKey: firing.dedupKey,
      target: firing.target,
      notified: ["pager", "pager-secondary"],
    });
  });
});
