import { describe, expect, it } from "vitest";
import type { HttpProbeConfig, ProbeConfig, TcpProbeConfig } from "../config/index.js";
import { type Clock, FakeClock } from "../core/clock.js";
import type { ActiveProbeConfig, ActiveProbeKind, ProbeKinds, ProbeResult } from "./kinds/types.js";
import { ProbeTimeoutError } from "./kinds/types.js";
import { nextSlot, ProbeScheduler, phaseOf } from "./scheduler.js";

const T0 = Date.UTC(2026, 0, 1); // a multiple of every interval used here

/** Lets promise callbacks (kind results) run; no time passes. */
const flush = () => new Promise<void>((r) => setImmediate(r));

const tcp = (name: string, interval: number, timeout = Math.min(interval, 10_000)): TcpProbeConfig => ({
  type: "tcp",
  name,
  target: "127.0.0.1:1",
  labels: {},
  interval,
  timeout,
});

type Behaviour = "instant" | "hang" | "ignore-abort" | { takes: number };

interface Call {
  name: string;
  at: number;
  signal: AbortSignal;
}

/** A kind that does no I/O: it answers at once, after `takes` ms of the fake clock, or never. */
function fakeKind(clock: Clock, behaviour: (name: string) => Behaviour) {
  const calls: Call[] = [];
  let running = 0;
  let maxRunning = 0;
  const kind: ActiveProbeKind = {
    run(config, signal) {
      calls.push({ name: config.name, at: clock.now(), signal });
      running++;
      maxRunning = Math.max(maxRunning, running);
      const b = behaviour(config.name);
      const result = (ok: boolean, error?: string): ProbeResult => ({
        probe: config.name,
        ts: 0,
        ok,
        latencyMs: 1,
        ...(error ? { error } : {}),
      });
      return new Promise<ProbeResult>((resolve) => {
        const done = (r: ProbeResult) => {
          running--;
          resolve(r);
        };
        if (b === "instant") return done(result(true));
        if (b === "ignore-abort") return;
        if (b !== "hang") clock.setTimer(b.takes, () => done(result(true)));
        signal.addEventListener("abort", () => done(result(false, String(signal.reason))), { once: true });
      });
    },
  };
  const kinds = { http: kind, tcp: kind } as unknown as ProbeKinds;
  return { kinds, calls, maxRunning: () => maxRunning };
}

function setup(
  behaviour: (name: string) => Behaviour,
  opts: { maxConcurrency?: number; clock?: FakeClock } = {},
) {
  const clock = opts.clock ?? new FakeClock(T0);
  const fake = fakeKind(clock, behaviour);
  const results: ProbeResult[] = [];
  const scheduler = new ProbeScheduler({
    clock,
    kinds: fake.kinds,
    onResult: (r) => results.push(r),
    ...(opts.maxConcurrency ? { maxConcurrency: opts.maxConcurrency } : {}),
  });
  return { clock, scheduler, results, ...fake };
}

/** Advances in steps so results (promise callbacks) land between timers, as in real time. */
async function advance(clock: FakeClock, ms: number, step = 100): Promise<void> {
  for (let left = ms; left > 0; left -= step) {
    clock.advance(Math.min(step, left));
    await flush();
  }
}

describe("ProbeScheduler", () => {
  it("spreads first runs over the interval by a hash of the name, and keeps the phases across a restart", async () => {
    const interval = 10_000;
    const probes = Array.from({ length: 1_000 }, (_, i) => tcp(`svc-${i}.example`, interval));
    const first = setup(() => "instant");
    first.scheduler.setProbes(probes);
    first.scheduler.start();
    await advance(first.clock, interval - 1, 1_000);
    const runs = new Map(first.calls.map((c) => [c.name, c.at - T0]));
    expect(first.calls).toHaveLength(1_000);
    expect(runs.size).toBe(1_000);
    for (const p of probes) expect(runs.get(p.name)).toBe(phaseOf(p.name, interval));
    // Ten 1-second buckets hold ~100 each: no herd at the start, no gap.
    const buckets = new Array<number>(10).fill(0);
    for (const at of runs.values()) buckets[Math.floor(at / 1_000)]!++;
    for (const n of buckets) expect(n).toBeGreaterThanOrEqual(70);
    for (const n of buckets) expect(n).toBeLessThanOrEqual(130);
    first.scheduler.stop();

    // A new scheduler (a restart), started mid-interval: same phases, all within one interval.
    const restartAt = T0 + 7 * interval + 4_321;
    const second = setup(() => "instant", { clock: new FakeClock(restartAt) });
    second.scheduler.setProbes(probes);
    second.scheduler.start();
    await advance(second.clock, interval - 1, 1_000);
    expect(second.calls).toHaveLength(1_000);
    for (const c of second.calls) {
      expect(c.at).toBeGreaterThanOrEqual(restartAt);
      expect(c.at).toBeLessThan(restartAt + interval);
      expect((c.at - T0) % interval).toBe(runs.get(c.name));
    }
  });

  it("computes slots on the grid", () => {
    expect(nextSlot(T0, 0, 1_000)).toBe(T0);
    expect(nextSlot(T0 + 1, 0, 1_000)).toBe(T0 + 1_000);
    expect(nextSlot(T0 + 1, 250, 1_000)).toBe(T0 + 250);
    expect(nextSlot(T0 + 251, 250, 1_000)).toBe(T0 + 1_250);
  });

  it("does not drift over 1,000 intervals, whatever each run takes", async () => {
    const interval = 1_000;
    let n = 0;
    const t = setup(() => ({ takes: (n++ * 37) % 900 }));
    const probes = [tcp("a", interval), tcp("b", interval), tcp("c", interval)];
    t.scheduler.setProbes(probes);
    t.scheduler.start();
    await advance(t.clock, 1_000 * interval, 50);
    for (const p of probes) {
      const starts = t.calls.filter((c) => c.name === p.name).map((c) => c.at);
      expect(starts).toHaveLength(1_000);
      starts.forEach((at, k) => {
        expect(at).toBe(T0 + phaseOf(p.name, interval) + k * interval);
      });
    }
    const stats = t.scheduler.stats();
    expect(stats).toMatchObject({ skipped: 0, behind: 0, timeouts: 0, inFlight: expect.any(Number) });
    expect(stats.lateness.max).toBe(0);
    expect(
      t.results.every(
        (r) => r.ts === T0 + phaseOf(r.probe, interval) + Math.floor((r.ts - T0) / interval) * interval,
      ),
    ).toBe(true);
  });

  it("holds runs beyond maxConcurrency in a queue and measures their lateness", async () => {
    const interval = 60_000;
    // Five probes whose slots all fall in the first 10 s of the interval; each run takes 50 s.
    const names: string[] = [];
    for (let i = 0; names.length < 5; i++) if (phaseOf(`q-${i}`, interval) < 10_000) names.push(`q-${i}`);
    const phases = names.map((name) => phaseOf(name, interval)).sort((x, y) => x - y);
    const t = setup(() => ({ takes: 50_000 }), { maxConcurrency: 2 });
    t.scheduler.setProbes(names.map((name) => tcp(name, interval, 59_000)));
    t.scheduler.start();
    await advance(t.clock, 10_000);
    expect(t.scheduler.stats()).toMatchObject({ inFlight: 2, queued: 3 });
    await advance(t.clock, 39_000);
    // Millisecond steps while runs finish, so each queued run starts at the very ms a slot frees.
    await advance(t.clock, 11_000, 1);
    expect(t.maxRunning()).toBe(2);
    const [a, b, c, d] = phases as [number, number, number, number];
    // The third and fourth start when the first and second finish.
    const starts = t.calls.map((call) => call.at - T0);
    expect(starts.slice(0, 4)).toEqual([a, b, a + 50_000, b + 50_000]);
    const lateness = t.scheduler.stats().lateness;
    expect(lateness.count).toBe(4);
    expect(lateness.max).toBe(Math.max(a + 50_000 - c, b + 50_000 - d));
    expect(lateness.p50).toBeGreaterThan(0);
  });

  it("times out a hanging probe through its signal without holding up the others", async () => {
    const interval = 1_000;
    const t = setup((name) => (name === "stuck" ? "hang" : "instant"));
    t.scheduler.setProbes([tcp("stuck", interval, 500), tcp("x", interval), tcp("y", interval)]);
    t.scheduler.start();
    await advance(t.clock, 10 * interval, 10);
    const stuck = t.results.filter((r) => r.probe === "stuck");
    expect(stuck).toHaveLength(10);
    expect(stuck.every((r) => !r.ok && r.error === "timeout after 500 ms" && r.latencyMs === 500)).toBe(true);
    for (const call of t.calls.filter((c) => c.name === "stuck")) {
      expect(call.signal.aborted).toBe(true);
      expect(call.signal.reason).toBeInstanceOf(ProbeTimeoutError);
    }
    for (const name of ["x", "y"]) {
      expect(t.results.filter((r) => r.probe === name && r.ok)).toHaveLength(10);
    }
    expect(t.scheduler.stats()).toMatchObject({ timeouts: 10, skipped: 0 });
    expect(t.scheduler.stats().lateness.max).toBe(0);
  });

  it("frees the slot at the timeout even when a kind ignores its signal", async () => {
    const interval = 1_000;
    const t = setup((name) => (name === "rogue" ? "ignore-abort" : "instant"), { maxConcurrency: 1 });
    t.scheduler.setProbes([tcp("rogue", interval, 300), tcp("ok", interval)]);
    t.scheduler.start();
    await advance(t.clock, 5 * interval, 10);
    expect(t.results.filter((r) => r.probe === "rogue").map((r) => r.error)).toEqual(
      new Array(5).fill("timeout after 300 ms"),
    );
    expect(t.results.filter((r) => r.probe === "ok" && r.ok)).toHaveLength(5);
    expect(t.scheduler.stats().inFlight).toBe(0);
  });

  it("does not start a run while the previous one is in flight, and counts the skip", async () => {
    const interval = 1_000;
    // A probe whose runs take 2.2 s (its timeout is longer than its interval).
    const t = setup(() => ({ takes: 2_200 }));
    t.scheduler.setProbes([tcp("slow", interval, 2_500)]);
    t.scheduler.start();
    await advance(t.clock, 9 * interval, 10);
    const phase = phaseOf("slow", interval);
    expect(t.calls.map((c) => c.at - T0)).toEqual([phase, phase + 3_000, phase + 6_000]);
    const stats = t.scheduler.stats();
    expect(stats.skipped).toBe(6);
    expect(stats.runs + stats.inFlight).toBe(3);
  });

  it("skips a slot while the previous run still waits in the queue", async () => {
    const t = setup((name) => (name === "hog" ? { takes: 4_500 } : "instant"), { maxConcurrency: 1 });
    t.scheduler.setProbes([tcp("hog", 10_000, 5_000), tcp("quick", 1_000)]);
    t.scheduler.start();
    await advance(t.clock, 10_000, 10);
    const quick = t.calls.filter((c) => c.name === "quick").length;
    expect(quick).toBeGreaterThan(0);
    expect(t.scheduler.stats().skipped).toBeGreaterThan(0);
    expect(t.scheduler.stats().skipped + quick + t.scheduler.stats().queued).toBe(10);
  });

  it("applies a new probe set as a diff", async () => {
    const interval = 10_000;
    const t = setup(() => ({ takes: 5_000 }));
    const keep = tcp("keep", interval);
    t.scheduler.setProbes([keep, tcp("change", interval), tcp("drop", interval)]);
    t.scheduler.start();
    await advance(t.clock, interval);
    const before = new Map(t.calls.map((c) => [c.name, c]));
    expect([...before.keys()].sort()).toEqual(["change", "drop", "keep"]);
    const inFlight = t.scheduler.stats().inFlight;

    // Same config for "keep" (an equal copy), a new interval for "change", "drop" gone, "add" new.
    t.scheduler.setProbes([{ ...keep, labels: {} }, tcp("change", 20_000), tcp("add", interval)]);
    const aborted = (name: string) => t.calls.filter((c) => c.name === name).some((c) => c.signal.aborted);
    expect(aborted("keep")).toBe(false);
    expect(aborted("change")).toBe(inFlight > 0 && before.get("change")!.at + 5_000 > t.clock.now());
    expect(t.scheduler.stats().probes).toBe(3);

    const resultsBefore = t.results.length;
    await advance(t.clock, 2 * interval);
    const later = t.calls.filter((c) => c.at >= T0 + interval);
    expect(later.some((c) => c.name === "drop")).toBe(false);
    expect(later.some((c) => c.name === "add")).toBe(true);
    expect(
      later
        .filter((c) => c.name === "change")
        .every((c) => (c.at - T0) % 20_000 === phaseOf("change", 20_000)),
    ).toBe(true);
    // "keep" stayed on its grid, and cancelled runs reported nothing.
    expect(later.filter((c) => c.name === "keep").map((c) => (c.at - T0) % interval)).toEqual([
      phaseOf("keep", interval),
      phaseOf("keep", interval),
    ]);
    expect(t.results.slice(resultsBefore).every((r) => r.probe !== "drop")).toBe(true);
  });

  it("ignores probe types it has no kind for", () => {
    const t = setup(() => "instant");
    const push: ProbeConfig = { type: "push", name: "pushed", labels: {}, interval: 30_000, timeout: 10_000 };
    const hb: ProbeConfig = { ...push, type: "heartbeat", name: "beat", period: 60_000, grace: 0 };
    t.scheduler.setProbes([push, hb, tcp("t", 1_000)]);
    expect(t.scheduler.stats().probes).toBe(1);
  });

  it("stop() aborts the runs in flight, reports none of them, and leaves no timer", async () => {
    const t = setup(() => "hang");
    const http: HttpProbeConfig = {
      type: "http",
      name: "web",
      target: "http://127.0.0.1:1/",
      labels: {},
      interval: 1_000,
      timeout: 900,
      method: "GET",
      follow_redirects: true,
      max_redirects: 5,
    };
    t.scheduler.setProbes([http, tcp("t", 1_000, 900)]);
    t.scheduler.start();
    await advance(t.clock, 999, 1);
    expect(t.scheduler.stats().inFlight).toBe(2);
    t.scheduler.stop();
    await flush();
    expect(t.calls.every((c) => c.signal.aborted)).toBe(true);
    expect(t.results).toEqual([]);
    expect(t.scheduler.stats().inFlight).toBe(0);
    expect(t.clock.pendingTimers()).toBe(0);
  });

  it("drops the slots it slept through instead of running them in a burst", async () => {
    const fake = new FakeClock(T0);
    // A clock whose timers fire 3.5 s late, like a host that was suspended.
    const late: Clock = { now: () => fake.now(), setTimer: (ms, fn) => fake.setTimer(ms + 3_500, fn) };
    const f = fakeKind(late, () => "instant");
    const scheduler = new ProbeScheduler({ clock: late, kinds: f.kinds, onResult: () => {} });
    scheduler.setProbes([tcp("p", 1_000)]);
    scheduler.start();
    fake.advance(phaseOf("p", 1_000) + 3_500);
    await flush();
    expect(f.calls).toHaveLength(1);
    expect(scheduler.stats()).toMatchObject({ behind: 3 });
    expect(scheduler.stats().lateness.max).toBe(3_500);
  });

  it("reuses the signal of a finished run only when it did not abort and nothing listens to it", async () => {
    const clock = new FakeClock(T0);
    const signals: AbortSignal[] = [];
    const tidy: ActiveProbeKind = {
      run(config, signal) {
        signals.push(signal);
        const onAbort = () => {};
        signal.addEventListener("abort", onAbort);
        return Promise.resolve().then(() => {
          signal.removeEventListener("abort", onAbort);
          return { probe: config.name, ts: 0, ok: true, latencyMs: 1 };
        });
      },
    };
    const sloppy: ActiveProbeKind = {
      run(config, signal) {
        signals.push(signal);
        signal.addEventListener("abort", () => {});
        return Promise.resolve({ probe: config.name, ts: 0, ok: true, latencyMs: 1 });
      },
    };
    for (const [kind, shared] of [
      [tidy, true],
      [sloppy, false],
    ] as const) {
      signals.length = 0;
      const s = new ProbeScheduler({
        clock,
        kinds: { http: kind, tcp: kind } as unknown as ProbeKinds,
        onResult: () => {},
      });
      s.setProbes([tcp("a", 1_000)]);
      s.start();
      await advance(clock, 3_000, 10);
      s.stop();
      expect(signals).toHaveLength(3);
      expect(new Set(signals).size).toBe(shared ? 1 : 3);
    }
  });

  it("reports a kind that throws as a failed run", async () => {
    const clock = new FakeClock(T0);
    const throwing: ActiveProbeKind = {
      run() {
        throw new Error("kind bug");
      },
    };
    const results: ProbeResult[] = [];
    const s = new ProbeScheduler({
      clock,
      kinds: { http: throwing, tcp: throwing } as unknown as ProbeKinds,
      onResult: (r, probe: ActiveProbeConfig) => results.push({ ...r, probe: probe.name }),
    });
    s.setProbes([tcp("t", 1_000)]);
    s.start();
    await advance(clock, 1_000, 10);
    expect(results).toEqual([expect.objectContaining({ probe: "t", ok: false, error: "kind bug" })]);
    expect(s.stats().kindErrors).toBe(1);
  });
});
