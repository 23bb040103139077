/**
 * Exact figures from integer event counts. The objective is turned into a fraction once
 * (99.9% → budget 1/1000), so a burn rate is one division of two integers and a threshold test
 * (burn ≥ 14.4) is a comparison of integer products: no float drift decides whether a tier fires.
 *
 * What the API shows: ratios are computed once from the counts and rounded — burn rates and budget
 * remaining to 6 significant digits, the SLI to 9 decimal places (99.9999999 % still shows) —
 * next to the integer counts they come from.
 */
import type { Counts } from "./counts.js";
import type { Factor } from "./windows.js";

/** bad/total ÷ (1 − objective) = bad·D / (total·B). */
export interface BudgetFraction {
  D: number;
  B: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** 0.999 → {D: 1000, B: 1}; 0.9995 → {D: 2000, B: 1}; 0.95 → {D: 20, B: 1}. */
export function budgetFraction(objective: number): BudgetFraction {
  let den = 1;
  while (den < 1e12 && Math.abs(Math.round(objective * den) - objective * den) > 1e-9 * den) den *= 10;
  const num = Math.round(objective * den);
  const g = gcd(den, den - num);
  return { D: den / g, B: (den - num) / g };
}

export const round6 = (x: number): number => Number(x.toPrecision(6));
export const round9dp = (x: number): number => Number(x.toFixed(9));

/** Burn rate over a window; null without events. */
export function burnRate(c: Counts, f: BudgetFraction): number | null {
  if (c.total === 0) return null;
  return round6(((c.total - c.good) * f.D) / (c.total * f.B));
}

/** burn ≥ factor, exactly: (bad·D)·den ≥ num·(total·B). */
export function burnAtLeast(c: Counts, f: BudgetFraction, factor: Factor): boolean {
  return c.total > 0 && (c.total - c.good) * f.D * factor.den >= factor.num * c.total * f.B;
}

/** 1 − (bad/total)/budget = (total·B − bad·D) / (total·B); 1 without events. Negative = overspent. */
export function budgetRemaining(c: Counts, f: BudgetFraction): number {
  if (c.total === 0) return 1;
  const denom = c.total * f.B;
  return round6((denom - (c.total - c.good) * f.D) / denom);
}

/** good/total; null without events. */
export function sli(c: Counts): number | null {
  return c.total === 0 ? null : round9dp(c.good / c.total);
}
