/**
 * The workbook's table on synthetic 30-day histories: 30 days of clean traffic at 10,000 events a
 * minute for a 99.9 % SLO (budget 10 bad events a minute = 1x), then a steady burn. Each tier
 * must fire exactly at the minute the workbook's detection time gives, and not one minute earlier.
 */
import { describe, expect, it } from "vitest";
import type { SloConfig } from "../../config/index.js";
import { type AlertStatus, initialStatus, step } from "../state-machine.js";
import { EventCounts } from "./counts.js";
import { budgetFraction, budgetRemaining, burnAtLeast, burnRate } from "./figures.js";
import { compileObjective, type ObjectiveSpec } from "./spec.js";
import { evaluateTier, evaluateTiers, windowCounts } from "./tiers.js";
import { scaledWindows, type Tier, tierCondition } from "./windows.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const PER_MINUTE = 10_000;

function spec(over: Partial<SloConfig> = {}): ObjectiveSpec {
  const s = compileObjective({
    name: "avail",
    probe: "web",
    objective: 0.999,
    good: "ok == 1",
    period: 30 * 86_400_000,
    no_data: "keep",
    severity: "page",
    labels: {},
    ...over,
  });
  if (s === null) throw new Error("not an objective SLO");
  return s;
}

/** Runs `clean` minutes without errors, then `bad` per minute; returns the minute (1-based, of the burn) each tier first fired. */
function simulate(
  sp: ObjectiveSpec,
  o: { clean: number; burnMinutes: number; bad: number; perMinute?: number },
): Record<Tier, number | null> & { muted: number } {
  const counts = new EventCounts(sp.windows["3d"], 30 * 24 + 1);
  const status: Record<Tier, AlertStatus> = { page: initialStatus(T0), ticket: initialStatus(T0) };
  const fired: Record<Tier, number | null> = { page: null, ticket: null };
  let muted = 0;
  const per = o.perMinute ?? PER_MINUTE;
  for (let i = 0; i < o.clean + o.burnMinutes; i++) {
    const t = T0 + i * MIN;
    const burning = i >= o.clean;
    counts.add(t, burning ? per - o.bad : per, per);
    const c = windowCounts(sp, (m) => counts.window(m));
    const ev = evaluateTiers(sp, c, status.page.state === "firing");
    const ticketAlone = evaluateTier(sp, "ticket", c);
    if (ticketAlone.breached && !ev.ticket.breached) muted++;
    for (const tier of ["page", "ticket"] as const) {
      const r = step(status[tier], ev[tier], { for: 0, clearFor: 0, noData: "keep" }, t + MIN);
      status[tier] = r.status;
      if (fired[tier] === null && r.transitions.some((x) => x.kind === "firing"))
        fired[tier] = i - o.clean + 1;
    }
  }
  return { ...fired, muted };
}

const DAYS30 = 30 * 1440;

describe("burn-rate tiers over 30-day histories (SRE workbook table)", () => {
  it("14.4x: page fires when the 1 h window is full of it (minute 60), not at minute 59", () => {
    const sp = spec();
    expect(simulate(sp, { clean: DAYS30, burnMinutes: 59, bad: 144 }).page).toBeNull();
    const r = simulate(sp, { clean: DAYS30, burnMinutes: 60, bad: 144 });
    expect(r.page).toBe(60);
    expect(r.ticket).toBeNull();
  });

  it("6x: page fires at 6 h through the 6h/30m pair; the ticket tier stays quiet (1d burn 1.5x)", () => {
    const sp = spec();
    expect(simulate(sp, { clean: DAYS30, burnMinutes: 359, bad: 60 }).page).toBeNull();
    const r = simulate(sp, { clean: DAYS30, burnMinutes: 360, bad: 60 });
    expect(r).toEqual({ page: 360, ticket: null, muted: 0 });
  });

  it("3x: ticket fires at 1 d through the 1d/2h pair, never a page", () => {
    const sp = spec();
    expect(simulate(sp, { clean: DAYS30, burnMinutes: 1439, bad: 30 }).ticket).toBeNull();
    expect(simulate(sp, { clean: DAYS30, burnMinutes: 1440, bad: 30 })).toEqual({
      page: null,
      ticket: 1440,
      muted: 0,
    });
  });

  it("1x: ticket fires at 3 d through the 3d/6h pair", () => {
    const sp = spec();
    expect(simulate(sp, { clean: DAYS30, burnMinutes: 4319, bad: 10 }).ticket).toBeNull();
    expect(simulate(sp, { clean: DAYS30, burnMinutes: 4320, bad: 10 })).toEqual({
      page: null,
      ticket: 4320,
      muted: 0,
    });
  });

  it("a total outage pages within a minute, and the page mutes the ticket tier", () => {
    const r = simulate(spec(), { clean: DAYS30, burnMinutes: 120, bad: PER_MINUTE });
    expect(r.page).toBe(1);
    expect(r.ticket).toBeNull();
    // 1000x: the 1 d window reaches 3x at minute 5 (5,000 bad / 1,440 minutes of budget);
    // from then on the ticket tier breaches every minute and is muted every time.
    expect(r.muted).toBe(116);
  });

  it("a quiet service below min_events never pages, even when every event fails", () => {
    // 1 event a minute: the 1 h window holds 60 events, the 6 h window 360.
    const quiet = spec({ min_events: 500 });
    const r = simulate(quiet, { clean: 1440, burnMinutes: 360, bad: 1, perMinute: 1 });
    expect(r.page).toBeNull();
    // The same failure with a guard the 1 h window meets pages at once.
    expect(
      simulate(spec({ min_events: 60 }), { clean: 1440, burnMinutes: 60, bad: 1, perMinute: 1 }).page,
    ).toBe(1);
  });
});

/** Events (kind@minute) of the page tier over a schedule of bad events per minute. */
function pageEvents(sp: ObjectiveSpec, minutes: number, bad: (i: number) => number): string[] {
  const counts = new EventCounts(sp.windows["3d"], 30 * 24 + 1);
  let status = initialStatus(T0);
  const out: string[] = [];
  for (let i = 0; i < minutes; i++) {
    counts.add(T0 + i * MIN, PER_MINUTE - bad(i), PER_MINUTE);
    const ev = evaluateTiers(
      sp,
      windowCounts(sp, (m) => counts.window(m)),
      status.state === "firing",
    );
    const r = step(status, ev.page, { for: 0, clearFor: 0, noData: "keep" }, T0 + (i + 1) * MIN);
    status = r.status;
    for (const t of r.transitions) out.push(`${t.kind}@${i}`);
  }
  return out;
}

describe("the short windows", () => {
  it("14.4x for a few minutes after a clean hour does not page: the 1 h window is what must be full of it", () => {
    // 6 minutes at 14.4x: the 5 m window is at 14.4x, the 1 h window at 14.4 × 6/60 = 1.44x.
    expect(pageEvents(spec(), 66, (i) => (i >= 60 ? 144 : 0))).toEqual([]);
  });

  it("resolve the page soon after the burn stops: 30 minutes after a 10-minute outage (the 30m window)", () => {
    // Outage in minutes 60..69. The 1h/5m pair clears after 5 clean minutes, the 6h/30m pair once
    // the outage has left the 30 m window: minute 99 is the first whose 30 m window is clean.
    expect(pageEvents(spec(), 150, (i) => (i >= 60 && i < 70 ? PER_MINUTE : 0))).toEqual([
      "firing@60",
      "resolved@99",
    ]);
  });
});

describe("scaled windows and exact figures", () => {
  it("scales the workbook's windows to the period, in whole minutes", () => {
    expect(scaledWindows({ kind: "rolling", ms: 7 * 86_400_000 })).toEqual({
      "5m": 1,
      "30m": 7,
      "1h": 14,
      "2h": 28,
      "6h": 84,
      "1d": 336,
      "3d": 1008,
    });
    expect(tierCondition("page", scaledWindows({ kind: "rolling", ms: 30 * 86_400_000 }))).toBe(
      "burn rate 14.4x over 1h and 5m, or 6x over 6h and 30m (page)",
    );
    expect(tierCondition("ticket", scaledWindows({ kind: "month" }))).toBe(
      "burn rate 3x over 1d and 2h, or 1x over 3d and 6h (ticket)",
    );
  });

  it("computes budgets and burn rates from integers, without float drift", () => {
    expect(budgetFraction(0.999)).toEqual({ D: 1000, B: 1 });
    expect(budgetFraction(0.9995)).toEqual({ D: 2000, B: 1 });
    expect(budgetFraction(0.95)).toEqual({ D: 20, B: 1 });
    expect(budgetFraction(0.97)).toEqual({ D: 100, B: 3 });
    const f = budgetFraction(0.999);
    // 7 bad of 10,000: 0.7x, 30 % of the budget used.
    expect(burnRate({ good: 9993, total: 10_000 }, f)).toBe(0.7);
    expect(budgetRemaining({ good: 9993, total: 10_000 }, f)).toBe(0.3);
    // float arithmetic would say (1 - 0.9856) / (1 - 0.999) = 14.399999999999972
    expect(burnAtLeast({ good: 9856, total: 10_000 }, f, { num: 144, den: 10, text: "14.4" })).toBe(true);
    expect(burnRate({ good: 9856, total: 10_000 }, f)).toBe(14.4);
    expect(budgetRemaining({ good: 2, total: 3 }, f)).toBe(-332.333);
  });
});
