import { describe, expect, it } from "vitest";
import { EventCounts } from "./counts.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);

describe("EventCounts", () => {
  it("sums any window ending at the last minute exactly, gaps counting as empty", () => {
    const c = new EventCounts(10, 2);
    for (let i = 0; i < 5; i++) c.add(T0 + i * MIN, i, 10); // minutes 0..4: good 0..4, total 10 each
    c.add(T0 + 8 * MIN, 7, 7); // minutes 5..7 empty
    expect(c.last).toBe(T0 + 8 * MIN);
    expect(c.window(1)).toEqual({ good: 7, total: 7 });
    expect(c.window(4)).toEqual({ good: 7, total: 7 });
    expect(c.window(5)).toEqual({ good: 11, total: 17 });
    expect(c.window(9)).toEqual({ good: 17, total: 57 });
    expect(c.window(10)).toEqual({ good: 17, total: 57 }); // before the first minute: nothing
    expect(() => c.add(T0 + 8 * MIN, 1, 1)).toThrow(/already closed/);
  });

  it("keeps the minute ring exact after wrapping many times", () => {
    const c = new EventCounts(60, 48);
    for (let i = 0; i < 1000; i++) c.add(T0 + i * MIN, i % 7, 10);
    // last 60 minutes: i = 940..999
    let good = 0;
    for (let i = 940; i < 1000; i++) good += i % 7;
    expect(c.window(60)).toEqual({ good, total: 600 });
  });

  it("counts a period beyond the minute ring from the start of the hour holding its far edge", () => {
    const c = new EventCounts(60, 5);
    for (let i = 0; i < 300; i++) c.add(T0 + i * MIN, 1, 1); // 5 hours, 1 event a minute
    // last minute 299; 150 minutes back is minute 149, in hour 2 (minutes 120..179): from minute 120
    expect(c.window(150)).toEqual({ good: 180, total: 180 });
    expect(c.window(61)).toEqual({ good: 120, total: 120 }); // edge minute 238, in hour 3: from minute 180
    expect(c.window(60)).toEqual({ good: 60, total: 60 }); // within the ring: exact
  });

  it("a calendar month starts from zero at the month's first minute (UTC)", () => {
    const c = new EventCounts(10, 800, true);
    const end = Date.UTC(2026, 1, 1); // Feb 1st
    for (let t = end - 5 * MIN; t < end + 3 * MIN; t += MIN) c.add(t, 1, 2);
    expect(c.month()).toEqual({ good: 3, total: 6 });
    expect(c.cumulative).toEqual({ good: 8, total: 16 });
  });
});
