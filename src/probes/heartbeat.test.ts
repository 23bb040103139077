import { beforeEach, describe, expect, it } from "vitest";
import type { HeartbeatProbeConfig, ProbeConfig } from "../config/index.js";
import { FakeClock } from "../core/clock.js";
import { OpsError } from "../core/errors.js";
import type { SampleInput } from "../series/index.js";
import { HeartbeatMonitor } from "./heartbeat.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);

const beat = (
  name: string,
  period: number,
  grace: number,
  labels: Record<string, string> = {},
): HeartbeatProbeConfig => ({
  type: "heartbeat",
  name,
  labels,
  interval: 30_000,
  timeout: 10_000,
  period,
  grace,
});

describe("HeartbeatMonitor", () => {
  let clock: FakeClock;
  let got: SampleInput[];
  let monitor: HeartbeatMonitor;
  const oks = () => got.filter((s) => s.metric === "ok").map((s) => [s.ts - T0, s.value]);

  beforeEach(() => {
    clock = new FakeClock(T0);
    got = [];
    monitor = new HeartbeatMonitor({ clock, emit: (samples) => got.push(...samples) });
    monitor.setProbes([beat("nightly", 10 * MIN, 2 * MIN, { team: "batch" })]);
  });

  it("reports ok 0 exactly at period + grace after the watch started, once", () => {
    clock.advance(12 * MIN - 1);
    expect(got).toEqual([]);
    clock.advance(1);
    expect(got).toEqual([
      { metric: "ok", labels: { team: "batch", probe: "nightly" }, value: 0, ts: T0 + 12 * MIN },
    ]);
    clock.advance(60 * MIN);
    expect(got).toHaveLength(1);
    expect(monitor.status("nightly").ok).toBe(0);
    expect(monitor.status("nightly").deadline).toBeUndefined();
  });

  it("a success ping reports ok 1 and moves the deadline to ping + period + grace", () => {
    clock.advance(5 * MIN);
    monitor.ping("nightly");
    expect(oks()).toEqual([[5 * MIN, 1]]);
    clock.advance(12 * MIN - 1);
    expect(oks()).toHaveLength(1);
    clock.advance(1);
    expect(oks()).toEqual([
      [5 * MIN, 1],
      [17 * MIN, 0],
    ]);
    clock.advance(3 * MIN);
    monitor.ping("nightly");
    expect(oks().at(-1)).toEqual([20 * MIN, 1]);
    expect(monitor.status("nightly").deadline).toBe(T0 + 32 * MIN);
  });

  it("a fail ping reports ok 0 at once and does not move the deadline", () => {
    clock.advance(MIN);
    monitor.ping("nightly", "fail");
    expect(oks()).toEqual([[MIN, 0]]);
    expect(monitor.status("nightly").deadline).toBe(T0 + 12 * MIN);
    clock.advance(11 * MIN);
    expect(oks()).toEqual([
      [MIN, 0],
      [12 * MIN, 0],
    ]);
  });

  it("start then success records the run's duration", () => {
    clock.advance(MIN);
    monitor.ping("nightly", "start");
    expect(got).toEqual([]);
    expect(monitor.status("nightly").runningSince).toBe(T0 + MIN);
    clock.advance(90_000);
    monitor.ping("nightly", "success");
    expect(got.map((s) => [s.metric, s.value, s.ts - T0])).toEqual([
      ["ok", 1, MIN + 90_000],
      ["duration_ms", 90_000, MIN + 90_000],
    ]);
    // A success without a start has no duration; a fail ends the run.
    monitor.ping("nightly");
    expect(got.filter((s) => s.metric === "duration_ms")).toHaveLength(1);
    monitor.ping("nightly", "start");
    monitor.ping("nightly", "fail");
    expect(monitor.status("nightly").runningSince).toBeUndefined();
  });

  it("takes the ping time from `at`, never in the future", () => {
    clock.advance(10 * MIN);
    monitor.ping("nightly", "success", T0 + 4 * MIN);
    expect(monitor.status("nightly").deadline).toBe(T0 + 16 * MIN);
    monitor.ping("nightly", "success", T0 + 99 * MIN);
    expect(oks().at(-1)).toEqual([10 * MIN, 1]);
    expect(() => monitor.ping("nightly", "success", Number.NaN)).toThrow(/epoch milliseconds/);
  });

  it("names what is wrong with a ping to an unknown or non-heartbeat probe", () => {
    const probes: ProbeConfig[] = [
      beat("nightly", 10 * MIN, 0),
      { type: "tcp", name: "db", target: "127.0.0.1:5432", labels: {}, interval: 30_000, timeout: 10_000 },
    ];
    monitor.setProbes(probes);
    const err = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        return e as OpsError;
      }
      throw new Error("expected a throw");
    };
    const missing = err(() => monitor.ping("nope"));
    expect(missing).toBeInstanceOf(OpsError);
    expect(missing.code).toBe("not_found");
    const wrongType = err(() => monitor.ping("db"));
    expect(wrongType.code).toBe("conflict");
    expect(wrongType.message).toContain("tcp probe");
  });

  describe("config reload", () => {
    it("keeps the state of an unchanged heartbeat", () => {
      clock.advance(5 * MIN);
      monitor.ping("nightly");
      monitor.setProbes([beat("nightly", 10 * MIN, 2 * MIN, { team: "batch" })]);
      clock.advance(12 * MIN);
      expect(oks()).toEqual([
        [5 * MIN, 1],
        [17 * MIN, 0],
      ]);
    });

    it("re-times the deadline when period or grace change", () => {
      clock.advance(5 * MIN);
      monitor.ping("nightly");
      clock.advance(MIN);
      monitor.setProbes([beat("nightly", 30 * MIN, 0)]);
      expect(monitor.status("nightly").deadline).toBe(T0 + 35 * MIN);
      clock.advance(29 * MIN - 1);
      expect(oks()).toHaveLength(1);
      clock.advance(1);
      expect(oks().at(-1)).toEqual([35 * MIN, 0]);
    });

    it("reports a miss at once when the shorter period has already passed", () => {
      clock.advance(9 * MIN);
      monitor.setProbes([beat("nightly", 5 * MIN, 0)]);
      clock.advance(0);
      expect(oks()).toEqual([[9 * MIN, 0]]);
    });

    it("watches added heartbeats from the reload and forgets removed ones", () => {
      clock.advance(3 * MIN);
      monitor.setProbes([beat("hourly", 60 * MIN, 0)]);
      expect(() => monitor.ping("nightly")).toThrow(/no heartbeat probe named "nightly"/);
      clock.advance(60 * MIN);
      expect(got).toEqual([{ metric: "ok", labels: { probe: "hourly" }, value: 0, ts: T0 + 63 * MIN }]);
      expect(clock.pendingTimers()).toBe(0);
    });
  });

  it("waits in steps for deadlines beyond a single timer's range", () => {
    const DAY = 86_400_000;
    monitor.setProbes([beat("monthly", 31 * DAY, DAY)]);
    clock.advance(32 * DAY - 1);
    expect(oks()).toEqual([]);
    clock.advance(1);
    expect(oks()).toEqual([[32 * DAY, 0]]);
  });

  it("stop() cancels every timer", () => {
    monitor.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});
