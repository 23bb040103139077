import { describe, expect, it } from "vitest";
import type { ReportingConfig } from "../config/index.js";
import { deadlines, type FiledReport, localDate, nextMidnight } from "./reporting.js";

const H = 3_600_000;
const cfg: ReportingConfig = {
  initial: H,
  daily_updates: true,
  final: 7 * 24 * H,
  timezone: "UTC",
  severity: "page",
};
const OPENED = Date.UTC(2026, 10, 23, 21, 0); // Mon 21:00 UTC
const report = (kind: FiledReport["kind"], at: number): FiledReport => ({
  kind,
  at,
  by: "counsel",
  text: "x",
});

describe("reporting deadlines", () => {
  it("owes an initial notice within the hour: pending, then met, late or missed", () => {
    const open = { openedAt: OPENED, resolvedAt: null };
    expect(deadlines(open, [], cfg, OPENED + 30 * 60_000)[0]).toMatchObject({
      kind: "initial",
      status: "pending",
      due: OPENED + H,
    });
    expect(deadlines(open, [], cfg, OPENED + H + 1)[0]?.status).toBe("missed");
    expect(deadlines(open, [report("initial", OPENED + 10 * 60_000)], cfg, OPENED + 2 * H)[0]?.status).toBe(
      "met",
    );
    expect(deadlines(open, [report("initial", OPENED + 2 * H)], cfg, OPENED + 3 * H)[0]?.status).toBe("late");
  });

  it("owes an update by the end of every calendar day after the first while unresolved", () => {
    const now = Date.UTC(2026, 10, 26, 12, 0); // Thu noon
    const updates = [
      report("update", Date.UTC(2026, 10, 24, 9)),
      report("update", Date.UTC(2026, 10, 26, 8)),
    ];
    const list = deadlines(
      { openedAt: OPENED, resolvedAt: null },
      [report("initial", OPENED + 1), ...updates],
      cfg,
      now,
    );
    expect(list.filter((d) => d.kind === "update").map((d) => [d.day, d.status])).toEqual([
      ["2026-11-24", "met"],
      ["2026-11-25", "missed"],
      ["2026-11-26", "met"],
    ]);
    expect(list.find((d) => d.day === "2026-11-24")?.due).toBe(Date.UTC(2026, 10, 25));
  });

  it("stops updates at resolution and then owes a final report", () => {
    const resolvedAt = Date.UTC(2026, 10, 24, 6);
    const list = deadlines(
      { openedAt: OPENED, resolvedAt },
      [report("initial", OPENED + 1)],
      cfg,
      resolvedAt + 8 * 24 * H,
    );
    expect(list.map((d) => [d.kind, d.status])).toEqual([
      ["initial", "met"],
      ["update", "missed"],
      ["final", "missed"],
    ]);
    const filed = deadlines(
      { openedAt: OPENED, resolvedAt },
      [report("final", resolvedAt + H)],
      cfg,
      resolvedAt + 2 * H,
    );
    expect(filed.at(-1)).toMatchObject({ kind: "final", status: "met", due: resolvedAt + 7 * 24 * H });
  });

  it("counts calendar days in the configured time zone, across a DST change", () => {
    const ny = "America/New_York";
    // 2026-11-01 is the end of DST in New York: that day has 25 hours.
    const t = Date.UTC(2026, 10, 1, 12); // 08:00 EDT... 07:00 EST
    const midnight = nextMidnight(t, ny);
    expect(localDate(midnight, ny)).toBe("2026-11-02");
    expect(new Date(midnight).toISOString()).toBe("2026-11-02T05:00:00.000Z");
    expect(new Date(nextMidnight(Date.UTC(2026, 2, 7, 12), ny)).toISOString()).toBe(
      "2026-03-08T05:00:00.000Z",
    );
    expect(new Date(nextMidnight(Date.UTC(2026, 2, 8, 12), ny)).toISOString()).toBe(
      "2026-03-09T04:00:00.000Z",
    );
  });
});
