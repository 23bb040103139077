/**
 * The multi-window, multi-burn-rate tiers of the Google SRE workbook (chapter 5, table 5-8), and
 * their windows scaled to an SLO's period. The workbook's windows are for a 30-day period; a 7-day
 * SLO uses 7/30 of each, rounded to whole minutes (events are counted per minute), at least one.
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** The period the workbook's windows are written for. A calendar month counts as this too. */
export const BASE_PERIOD = 30 * DAY;

/** The windows as the workbook names them (for 30 days), in the API's `burnRates` keys. */
export const WINDOW_NAMES = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;
export type WindowName = (typeof WINDOW_NAMES)[number];
const BASE_MINUTES: Record<WindowName, number> = {
  "5m": 5,
  "30m": 30,
  "1h": 60,
  "2h": 120,
  "6h": 360,
  "1d": 1440,
  "3d": 4320,
};

export type Tier = "page" | "ticket";
export const TIERS: readonly Tier[] = ["page", "ticket"];

/** A burn-rate factor as a fraction (14.4 = 144/10), so thresholds compare exactly on integers. */
export interface Factor {
  num: number;
  den: number;
  text: string;
}

export interface Pair {
  factor: Factor;
  long: WindowName;
  short: WindowName;
}

const f = (num: number, den: number): Factor => ({ num, den, text: String(num / den) });

/** Faster tier first: it mutes the slower one. Within a tier, either pair breaching is enough. */
export const TIER_PAIRS: Record<Tier, readonly Pair[]> = {
  page: [
    { factor: f(144, 10), long: "1h", short: "5m" },
    { factor: f(6, 1), long: "6h", short: "30m" },
  ],
  ticket: [
    { factor: f(3, 1), long: "1d", short: "2h" },
    { factor: f(1, 1), long: "3d", short: "6h" },
  ],
};

export type Period = { kind: "rolling"; ms: number } | { kind: "month" };

/** Each window's length in minutes for `period`: the workbook's, × period / 30 d, rounded, ≥ 1. */
export function scaledWindows(period: Period): Record<WindowName, number> {
  const scale = period.kind === "month" ? 1 : period.ms / BASE_PERIOD;
  const out = {} as Record<WindowName, number>;
  for (const name of WINDOW_NAMES) out[name] = Math.max(1, Math.round(BASE_MINUTES[name] * scale));
  return out;
}

/** `90` → "1h30m", `1440` → "1d": how a scaled window is written in condition texts. */
export function formatMinutes(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return `${d > 0 ? `${d}d` : ""}${h > 0 ? `${h}h` : ""}${m > 0 ? `${m}m` : ""}` || "0m";
}

/** "burn rate 14.4x over 1h and 5m, or 6x over 6h and 30m (page)": the tier alert's condition. */
export function tierCondition(tier: Tier, windows: Record<WindowName, number>): string {
  const pairs = TIER_PAIRS[tier].map(
    (p) => `${p.factor.text}x over ${formatMinutes(windows[p.long])} and ${formatMinutes(windows[p.short])}`,
  );
  return `burn rate ${pairs.join(", or ")} (${tier})`;
}

/** The period's length in minutes (a calendar month: its days so far are what counts; see counts.ts). */
export function periodMinutes(period: Period): number {
  return period.kind === "month" ? 31 * 1440 : Math.max(1, Math.round(period.ms / MINUTE));
}

/** Start of the UTC calendar month holding `ms`. */
export function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Start of the UTC calendar month after the one holding `ms`. */
export function nextMonthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
