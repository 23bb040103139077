/** Maintenance windows as pure functions of (window, now): one-off, cron with time zone, DST, mid-window start. */
import { describe, expect, it } from "vitest";
import { ConfigInvalidError, loadConfigText, type MaintenanceConfig } from "../../config/index.js";
import { maintenanceSource, nextWindowChange, windowState } from "./index.js";

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null | undefined) => (ms == null ? ms : new Date(ms).toISOString());
const view = (w: MaintenanceConfig, now: number) => {
  const s = windowState(w, now);
  return { active: s.active, until: iso(s.until), next: iso(s.next) };
};
/** A fresh object each time: nothing is cached between calls, as after a restart or a reload. */
const saturday = (over: Partial<MaintenanceConfig> = {}): MaintenanceConfig => ({
  name: "saturday-patching",
  schedule: "0 2 * * SAT",
  duration: 2 * H,
  match: { agency: "IRS" },
  ...over,
});

describe("one-off window", () => {
  const w: MaintenanceConfig = {
    name: "db-upgrade",
    start: at("2026-11-28T02:00:00Z"),
    end: at("2026-11-28T04:00:00Z"),
    match: {},
  };
  it("is inactive before, active from start up to (not including) end, and never again after", () => {
    expect(view(w, at("2026-11-28T01:59:59.999Z"))).toEqual({
      active: false,
      until: undefined,
      next: "2026-11-28T02:00:00.000Z",
    });
    expect(view(w, at("2026-11-28T02:00:00Z"))).toEqual({
      active: true,
      until: "2026-11-28T04:00:00.000Z",
      next: "2026-11-28T04:00:00.000Z",
    });
    expect(view(w, at("2026-11-28T03:59:59.999Z")).active).toBe(true);
    expect(view(w, at("2026-11-28T04:00:00Z"))).toEqual({ active: false, until: undefined, next: null });
  });
});

describe("recurring window (cron + duration)", () => {
  it("is active on time the very first time, to the millisecond", () => {
    // 2026-11-28 is a Saturday; nothing has "seen" the schedule fire before.
    expect(view(saturday(), at("2026-11-28T01:59:59.999Z"))).toEqual({
      active: false,
      until: undefined,
      next: "2026-11-28T02:00:00.000Z",
    });
    expect(view(saturday(), at("2026-11-28T02:00:00.000Z"))).toEqual({
      active: true,
      until: "2026-11-28T04:00:00.000Z",
      next: "2026-11-28T04:00:00.000Z",
    });
  });

  it("knows it is inside a window when the server starts in the middle of one", () => {
    expect(view(saturday(), at("2026-11-28T03:17:00Z"))).toEqual({
      active: true,
      until: "2026-11-28T04:00:00.000Z",
      next: "2026-11-28T04:00:00.000Z",
    });
  });

  it("ends at start + duration and points at the next week's start", () => {
    expect(view(saturday(), at("2026-11-28T04:00:00Z"))).toEqual({
      active: false,
      until: undefined,
      next: "2026-12-05T02:00:00.000Z",
    });
  });

  it("gives the same answers when one window object is asked over time (its cache)", () => {
    const w = saturday();
    const times = [
      "2026-11-28T01:00:00Z",
      "2026-11-28T02:00:00Z",
      "2026-11-28T03:59:00Z",
      "2026-11-28T04:00:00Z",
    ];
    expect(times.map((t) => view(w, at(t)))).toEqual(times.map((t) => view(saturday(), at(t))));
  });

  it("reads the schedule in its time zone", () => {
    const ny = saturday({ timezone: "America/New_York" });
    // 02:00 EST = 07:00 UTC.
    expect(view(ny, at("2026-11-28T06:59:59Z")).active).toBe(false);
    expect(view(ny, at("2026-11-28T07:00:00Z"))).toMatchObject({
      active: true,
      until: "2026-11-28T09:00:00.000Z",
    });
    expect(view(ny, at("2026-11-28T02:30:00Z")).active).toBe(false); // 02:30 UTC is Friday night in New York
  });

  it("on the spring-forward day, a window at a time that does not exist starts when the clocks jump", () => {
    const daily = saturday({ schedule: "30 2 * * *", duration: H, timezone: "America/New_York" });
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT, so 02:30 never happens; the window opens at 03:00 EDT.
    expect(view(daily, at("2026-03-07T07:30:00Z"))).toMatchObject({ active: true }); // 02:30 EST
    expect(view(daily, at("2026-03-08T06:59:59Z"))).toMatchObject({
      active: false,
      next: "2026-03-08T07:00:00.000Z",
    });
    expect(view(daily, at("2026-03-08T07:00:00Z"))).toMatchObject({
      active: true,
      until: "2026-03-08T08:00:00.000Z",
    });
    expect(view(daily, at("2026-03-09T06:30:00Z"))).toMatchObject({ active: true }); // 02:30 EDT
  });

  it("on the fall-back day, a window at a time that happens twice opens once", () => {
    const daily = saturday({ schedule: "30 1 * * *", duration: 30 * 60_000, timezone: "America/New_York" });
    // 2026-11-01: 01:30 EDT (05:30 UTC), then 01:30 EST (06:30 UTC) a second time.
    expect(view(daily, at("2026-11-01T05:30:00Z"))).toMatchObject({
      active: true,
      until: "2026-11-01T06:00:00.000Z",
    });
    expect(view(daily, at("2026-11-01T06:30:00Z"))).toMatchObject({
      active: false,
      next: "2026-11-02T06:30:00.000Z",
    });
  });

  it("merges runs whose windows overlap into one stretch", () => {
    const w = saturday({ schedule: "0 2,3 * * *", duration: 2 * H });
    expect(view(w, at("2026-11-28T02:30:00Z"))).toMatchObject({
      active: true,
      until: "2026-11-28T05:00:00.000Z",
    });
  });
});

describe("nextWindowChange and the maintenance Muter", () => {
  const oneOff: MaintenanceConfig = {
    name: "db-upgrade",
    start: at("2026-11-27T10:00:00Z"),
    end: at("2026-11-27T11:00:00Z"),
    match: { slo: "irs-login-latency" },
  };
  it("the earliest start or end of any window", () => {
    expect(iso(nextWindowChange([saturday(), oneOff], at("2026-11-27T00:00:00Z")))).toBe(
      "2026-11-27T10:00:00.000Z",
    );
    expect(iso(nextWindowChange([saturday(), oneOff], at("2026-11-27T10:30:00Z")))).toBe(
      "2026-11-27T11:00:00.000Z",
    );
    expect(iso(nextWindowChange([saturday(), oneOff], at("2026-11-27T12:00:00Z")))).toBe(
      "2026-11-28T02:00:00.000Z",
    );
    expect(nextWindowChange([], 0)).toBeNull();
  });

  it("mutes only what `match` selects (labels, or the alert's slo/probe/severity), naming the window", () => {
    const muter = maintenanceSource(() => [saturday(), oneOff]);
    const alert = {
      slo: "irs-login-latency",
      probe: "irs-login",
      labels: { agency: "IRS" },
      severity: "page" as const,
    };
    const inWindow = at("2026-11-28T02:30:00Z");
    expect(muter.mutedBy(alert, inWindow)).toEqual({
      kind: "maintenance",
      name: "saturday-patching",
      until: at("2026-11-28T04:00:00Z"),
    });
    expect(muter.mutedBy({ ...alert, labels: { agency: "SSA" } }, inWindow)).toBeNull();
    expect(muter.mutedBy({ ...alert, labels: {} }, at("2026-11-27T10:30:00Z"))).toMatchObject({
      name: "db-upgrade",
    });
    expect(muter.mutedBy({ ...alert, slo: "other", labels: {} }, at("2026-11-27T10:30:00Z"))).toBeNull();
  });
});

describe("config: the schedule is checked by the cron engine at load", () => {
  const load = (schedule: string) =>
    loadConfigText(
      `server:\n  data: ./data\nmaintenance:\n  - name: w\n    schedule: "${schedule}"\n    duration: 1h\n    match: {}\n`,
      "ops.yml",
    );
  it.each([
    ["61 2 * * SAT", /maintenance\[0\]\.schedule: invalid cron schedule "61 2 \* \* SAT": .*minute/],
    ["0 2 * * FUNDAY", /maintenance\[0\]\.schedule: invalid cron schedule "0 2 \* \* FUNDAY"/],
    ["0 0 30 2 *", /maintenance\[0\]\.schedule: invalid cron schedule "0 0 30 2 \*": it never runs/],
  ])("%s is refused with the key path", async (schedule, message) => {
    const err = await load(schedule).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigInvalidError);
    const lines = (err as ConfigInvalidError).details?.map((d) => `${d.path}: ${d.message}`) ?? [];
    expect(lines.join("\n")).toMatch(message);
    expect((err as ConfigInvalidError).details?.[0]).toMatchObject({
      file: expect.stringContaining("ops.yml"),
      line: 5,
    });
  });

  it("a valid schedule with a time zone loads", async () => {
    const text = `server:\n  data: ./data\nmaintenance:\n  - { name: w, schedule: "0 2 * * SAT", duration: 2h, timezone: Europe/Berlin, match: { agency: IRS } }\n`;
    const { config } = await loadConfigText(text, "ops.yml");
    expect(config.maintenance[0]).toMatchObject({
      schedule: "0 2 * * SAT",
      duration: 2 * H,
      timezone: "Europe/Berlin",
    });
  });
});
