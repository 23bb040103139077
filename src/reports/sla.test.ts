import { describe, expect, it } from "vitest";
import type { SloConfig } from "../config/index.js";
import { OpsError } from "../core/errors.js";
import { counselFigure } from "./counsel.js";
import { reportCsv } from "./csv.js";
import { reportHtml } from "./html.js";
import { assembleReport, type ReportData, type ReportInput, resolveRange } from "./index.js";
import { merge, overlapLength } from "./intervals.js";
import { windowStretches } from "./maintenance.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 2); // a Monday

const slo = (over: Partial<SloConfig>): SloConfig => ({
  name: "s",
  when: "value > 1",
  no_data: "keep",
  severity: "page",
  labels: {},
  ...over,
});
const input = (slos: SloConfig[], over: Partial<ReportInput["config"]> = {}): ReportInput => ({
  from: T0,
  to: T0 + 7 * DAY,
  now: T0 + 7 * DAY,
  config: { slos, probes: [], receivers: {}, maintenance: [], initialNoticeMs: HOUR, ...over },
});
const none: ReportData = { incidents: [], violations: [], deliveries: [], good: new Map(), total: new Map() };

describe("intervals", () => {
  it("merges overlapping and touching spans and measures them inside a window", () => {
    const m = merge([
      { from: 5, to: 10 },
      { from: 0, to: 3 },
      { from: 3, to: 4 },
      { from: 8, to: 12 },
    ]);
    expect(m).toEqual([
      { from: 0, to: 4 },
      { from: 5, to: 12 },
    ]);
    expect(overlapLength(m, 2, 6)).toBe(3);
  });
});

describe("resolveRange", () => {
  const now = T0;
  it("defaults to the last 30 days and reads epoch ms and ISO dates", () => {
    expect(resolveRange({}, now)).toEqual({ from: now - 30 * DAY, to: now });
    expect(resolveRange({ from: "2026-11-01", to: String(T0) }, now)).toEqual({ from: T0 - DAY, to: T0 });
  });
  it.each([
    [{ from: String(T0), to: String(T0) }, "to"],
    [{ from: "2025-01-01", to: "2026-11-01" }, "from"],
    [{ from: "2026-11-01T00:00" }, "from"],
    [{ to: ["1", "2"] }, "to"],
  ])("refuses %j naming %s", (q, path) => {
    try {
      resolveRange(q, now);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(OpsError);
      expect((err as OpsError).details?.[0]?.path).toBe(path);
    }
  });
});

describe("counsel", () => {
  const email = new Set(["counsel"]);
  it("is pending before the deadline, not notified after it, and ignores other receivers", () => {
    const hook = [{ incidentId: "I", receiver: "hook", deliveredAt: T0 + MIN }];
    expect(counselFigure(T0, hook, email, HOUR, T0 + 20 * MIN).text).toBe("pending (due in 40 min)");
    expect(counselFigure(T0, hook, email, HOUR, T0 + 2 * HOUR).status).toBe("not_notified");
  });
  it("takes the first email delivery", () => {
    const d = [
      { incidentId: "I", receiver: "counsel", deliveredAt: T0 + 90 * MIN },
      { incidentId: "I", receiver: "counsel", deliveredAt: T0 + 30 * 1000 },
    ];
    expect(counselFigure(T0, d, email, HOUR, T0 + DAY)).toMatchObject({
      status: "in_time",
      text: "in time (0.5 min)",
    });
  });
});

describe("maintenance", () => {
  it("walks a weekly cron window over the period and clips it to the edges", () => {
    const w = { name: "sat", schedule: "0 2 * * SAT", duration: 2 * HOUR, match: {} };
    const { stretches } = windowStretches(w, T0 + 5 * DAY + 3 * HOUR, T0 + 14 * DAY);
    expect(stretches.map((s) => [(s.from - T0) / HOUR, (s.to - T0) / HOUR])).toEqual([
      [5 * 24 + 3, 5 * 24 + 4],
      [12 * 24 + 2, 12 * 24 + 4],
    ]);
  });
  it("counts only windows whose match selects the SLO (by its probe's labels too)", () => {
    const r = assembleReport(
      none,
      input([slo({ name: "a", probe: "p" }), slo({ name: "b" })], {
        probes: [{ name: "p", labels: { agency: "IRS" } }],
        maintenance: [{ name: "irs", start: T0 + HOUR, end: T0 + 3 * HOUR, match: { agency: "IRS" } }],
      }),
    );
    expect(r.slos.map((s) => s.maintenanceMs)).toEqual([2 * HOUR, 0]);
  });
});

describe("assembleReport", () => {
  it("threshold: overlapping alert episodes count once; an incident still open runs to the end", () => {
    const data: ReportData = {
      ...none,
      incidents: [
        {
          id: "INC-1",
          slo: "s",
          openedAt: T0 + DAY,
          resolvedAt: null,
          episodes: [
            { slo: "s", from: T0 + DAY, to: T0 + DAY + 2 * HOUR },
            { slo: "s", from: T0 + DAY + HOUR, to: T0 + DAY + 3 * HOUR },
          ],
        },
      ],
    };
    const [s] = assembleReport(data, { ...input([slo({})]), to: T0 + 2 * DAY, now: T0 + 2 * DAY }).slos;
    expect(s?.breachTimeMs).toBe(3 * HOUR);
    expect(s?.breaches).toMatchObject({ count: 1, durationMs: DAY, list: [{ open: true }] });
    expect(s?.achieved).toBeCloseTo(1 - 3 / 48, 12);
  });

  it("objective: no events is unmeasured, not 100 %", () => {
    const o = slo({ when: undefined, objective: 0.99, good: "ok == 1" });
    const data = { ...none, good: new Map([["s", new Map()]]), total: new Map([["s", new Map()]]) };
    const [s] = assembleReport(data, input([o])).slos;
    expect(s).toMatchObject({ achieved: null, met: null, budgetUsed: null, events: { good: 0, total: 0 } });
    expect(s?.note).toMatch(/no events/);
  });

  it("CSV quotes commas, quotes and line breaks, and defuses formulas", () => {
    const r = assembleReport(none, input([slo({ name: "x", when: '=cmd|"a,b"\nc' })]));
    const line = reportCsv(r).split("\r\n")[1] as string;
    expect(line).toContain(`"'=cmd|""a,b""\nc"`);
  });

  it("HTML escapes SLO names, conditions, labels and agreements", () => {
    const evil = `<img src=x onerror="alert('1')">`;
    const html = reportHtml(
      assembleReport(
        none,
        input([slo({ name: evil, when: evil, labels: { agency: evil, [evil]: "v" }, legal: { sla: evil } })]),
      ),
    );
    expect(html).not.toMatch(/<img/);
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;");
  });
});
