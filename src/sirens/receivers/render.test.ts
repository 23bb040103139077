import { describe, expect, it } from "vitest";
import { legalNotification, sampleNotification, T0 } from "../fixtures.case.js";
import {
  breachDurationMs,
  formatBreach,
  formatDuration,
  formatFigure,
  formatTarget,
  statusTag,
  truncate,
  valueAgainstTarget,
} from "./render.js";

describe("render", () => {
  it("says durations in at most two units", () => {
    expect(formatDuration(0)).toBe("0ms");
    expect(formatDuration(500)).toBe("500ms");
    expect(formatDuration(62_000)).toBe("1m 2s");
    expect(formatDuration(60_000)).toBe("1m");
    expect(formatDuration((3 * 3600 + 5 * 60 + 7) * 1000)).toBe("3h 5m");
    expect(formatDuration((26 * 3600 + 59) * 1000)).toBe("1d 2h");
  });

  it("turns the breach condition into the target it protects", () => {
    const t = (op: string) => ({ op, value: 250, unit: "ms" });
    expect([">", ">=", "<", "<=", "==", "!="].map((op) => formatTarget(t(op)))).toEqual([
      "≤ 250 ms",
      "< 250 ms",
      "≥ 250 ms",
      "> 250 ms",
      "≠ 250 ms",
      "= 250 ms",
    ]);
    expect(formatBreach(t(">="))).toBe("≥ 250 ms");
    expect(formatTarget({ op: "<", value: 0.995, unit: "%" })).toBe("≥ 99.5%");
    expect(formatFigure(75_000, "ms")).toBe("75000 ms (1m 15s)");
    expect(formatFigure(null, "ms")).toBe("no data");
    expect(valueAgainstTarget(sampleNotification())).toBe("412 ms, target ≤ 250 ms");
    expect(valueAgainstTarget({ ...sampleNotification(), target: undefined })).toBe("412 ms");
  });

  it("measures the breach from when the condition first held, to its end or now", () => {
    const n = legalNotification();
    expect(breachDurationMs(n, T0 + 600_000)).toBe(750_000);
    expect(breachDurationMs({ ...n, activeAt: null }, T0 + 600_000)).toBe(600_000);
    expect(breachDurationMs({ ...n, endsAt: new Date(T0 + 60_000).toISOString() }, T0 + 600_000)).toBe(
      210_000,
    );
  });

  it("tags what a message is", () => {
    const n = sampleNotification();
    expect(statusTag(n)).toBe("FIRING");
    expect(statusTag({ ...n, repeat: 3 })).toBe("REMINDER 3");
    expect(statusTag({ ...n, acknowledged: { by: "a", at: "x" } })).toBe("ACKNOWLEDGED");
    expect(statusTag(sampleNotification({ kind: "resolved" }))).toBe("RESOLVED");
  });

  it("truncates to the limit with …, never splitting a surrogate pair", () => {
    expect(truncate("abc", 3)).toBe("abc");
    expect(truncate("abcd", 3)).toBe("ab…");
    expect(truncate("a😀bc", 3)).toBe("a…");
  });
});
