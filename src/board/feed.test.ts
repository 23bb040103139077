import { describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.js";
import { BoardFeed, type BoardSnapshot, boardDelta } from "./feed.js";
import { boardTiles, publicTiles } from "./tiles.js";

const board = (states: Record<string, string>, open = 0): BoardSnapshot => ({
  policy: { id: "pack-1", drift: false },
  probes: Object.entries(states).map(([name, state]) => ({ name, state })),
  slos: [],
  incidents: { open },
});

/** Lets the feed's awaited snapshot and diff settle. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe("boardDelta", () => {
  it("names changed, added and removed tiles and changed top-level fields only", () => {
    const delta = boardDelta(
      board({ a: "green", b: "green", c: "green" }),
      board({ a: "red", b: "green", d: "green" }, 1),
    );
    expect(delta).toEqual({
      probes: [
        { name: "a", state: "red" },
        { name: "d", state: "green" },
      ],
      slos: [],
      removed: { probes: ["c"], slos: [] },
      top: { incidents: { open: 1 } },
    });
  });

  it("is null when nothing changed", () => {
    expect(boardDelta(board({ a: "green" }), board({ a: "green" }))).toBeNull();
  });
});

describe("BoardFeed", () => {
  function feed(capacity = 4) {
    const clock = new FakeClock();
    let current = board({ a: "green" });
    const f = new BoardFeed({ clock, capacity, debounceMs: 100, snapshot: async () => current });
    return { f, clock, set: (b: BoardSnapshot) => (current = b) };
  }

  it("numbers events, replays what a client missed, and asks for a resync once they left the ring", () => {
    const { f } = feed(3);
    for (const n of [1, 2, 3, 4, 5]) f.publish("alerts.transition", { n }, "read");
    expect(f.head).toBe(5);
    const caught = f.since(3, f.epoch);
    expect(caught.kind === "events" && caught.events.map((e) => e.id)).toEqual([4, 5]);
    expect(f.since(2, f.epoch)).toEqual({ kind: "events", events: expect.any(Array) });
    expect(f.since(1, f.epoch)).toEqual({ kind: "resync" });
    expect(f.since(5, "another-process")).toEqual({ kind: "resync" });
    expect(f.since(9, f.epoch)).toEqual({ kind: "resync" });
  });

  it("coalesces touches into one delta after the debounce, only while someone listens", async () => {
    const { f, clock, set } = feed();
    const seen: unknown[] = [];
    const first = await f.current();
    expect(first).toEqual({ id: 0, board: board({ a: "green" }) });
    f.listen((e) => seen.push([e.topic, e.audience, e.data]));
    set(board({ a: "red" }));
    f.touch();
    f.touch();
    expect(seen).toEqual([]);
    clock.advance(100);
    await settle();
    expect(seen).toEqual([
      [
        "board.delta",
        "public",
        { probes: [{ name: "a", state: "red" }], slos: [], removed: { probes: [], slos: [] }, top: {} },
      ],
    ]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("an urgent touch brings a later diff forward; a lazy one never delays it", async () => {
    const { f, clock, set } = feed();
    await f.current();
    const seen: number[] = [];
    f.listen((e) => seen.push(e.id));
    set(board({ a: "red" }));
    f.touch(500);
    f.touch(100);
    f.touch(500);
    clock.advance(100);
    await settle();
    expect(seen).toEqual([1]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("does no work for touches nobody listens to, and turns them into one delta when a client comes back", async () => {
    const { f, clock, set } = feed();
    await f.current();
    const stop = f.listen(() => {});
    stop();
    set(board({ a: "red" }));
    f.touch();
    expect(clock.pendingTimers()).toBe(0);
    const last = f.head;
    await f.settle();
    const caught = f.since(last, f.epoch);
    expect(caught.kind === "events" && caught.events.map((e) => [e.topic, e.data])).toEqual([
      [
        "board.delta",
        { probes: [{ name: "a", state: "red" }], slos: [], removed: { probes: [], slos: [] }, top: {} },
      ],
    ]);
    await f.settle();
    expect(f.head).toBe(last + 1);
  });
});

describe("boardTiles", () => {
  it("marks probes with an active run-book or in maintenance, and gives SLOs their probe and labels", () => {
    const status: BoardSnapshot = {
      probes: [
        { name: "login", labels: { agency: "IRS" }, state: "red" },
        { name: "db", labels: { agency: "SSA" }, state: "green" },
      ],
      slos: [{ name: "login-latency", state: "firing" }],
    };
    const tiles = boardTiles(status, {
      runs: [
        { state: "running", probe: "login" },
        { state: "waiting_approval", probe: "login" },
        { state: "succeeded", probe: "db" },
      ],
      alerts: [
        { slo: "login-latency", probe: "login", labels: { probe: "login" }, severity: "page", unit: "ms" },
      ],
      inMaintenance: (a) => a.probe === "db",
    });
    expect(tiles.probes).toEqual([
      {
        name: "login",
        labels: { agency: "IRS" },
        state: "red",
        runbook: "waiting_approval",
        maintenance: false,
      },
      { name: "db", labels: { agency: "SSA" }, state: "green", runbook: null, maintenance: true },
    ]);
    expect(tiles.slos).toEqual([
      {
        name: "login-latency",
        state: "firing",
        probe: "login",
        unit: "ms",
        labels: { agency: "IRS" },
        runbook: "waiting_approval",
        maintenance: false,
      },
    ]);
  });
});

describe("publicTiles", () => {
  it("drops probe error texts (they name internal hosts), keeps everything else", () => {
    const last = { ts: "2026-01-01T00:00:00.000Z", ok: false, status: 503 };
    const snapshot: BoardSnapshot = {
      policy: { id: "p" },
      probes: [
        { name: "db", state: "yellow", last: { ...last, error: "connect ECONNREFUSED 10.0.4.2:5432" } },
        { name: "web", state: "green", last: null },
      ],
      slos: [{ name: "s", state: "ok" }],
    };
    expect(publicTiles(snapshot)).toEqual({
      ...snapshot,
      probes: [
        { name: "db", state: "yellow", last },
        { name: "web", state: "green", last: null },
      ],
    });
    expect(JSON.stringify(publicTiles({ probes: snapshot.probes, slos: [] }))).not.toContain("10.0.4.2");
  });
});
