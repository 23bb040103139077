/**
 * Multi-window, multi-burn-rate evaluation (pure): a tier breaches when either of its pairs has
 * both windows at or above the pair's burn rate and the long window holds at least `min_events`
 * events. At or above, so a steady 14.4x burn fires once the 1 h window is full of it, which is
 * the workbook's detection time. The page tier breaching or firing mutes the ticket tier.
 */
import type { Evaluation } from "../state-machine.js";
import type { Counts } from "./counts.js";
import { burnAtLeast, burnRate } from "./figures.js";
import type { ObjectiveSpec } from "./spec.js";
import { TIER_PAIRS, type Tier, WINDOW_NAMES, type WindowName } from "./windows.js";

export type WindowCounts = Record<WindowName, Counts>;

export function windowCounts(
  spec: ObjectiveSpec,
  read: (minutes: number, out: Counts) => Counts,
  into?: WindowCounts,
): WindowCounts {
  const out = into ?? ({} as WindowCounts);
  for (const name of WINDOW_NAMES) out[name] = read(spec.windows[name], out[name] ?? { good: 0, total: 0 });
  return out;
}

/**
 * One tier's evaluation: breached as above; value = the long-window burn rate of the first pair
 * that breaches, else of the first pair (null: no events in it, which the state machine treats as
 * no data).
 */
export function evaluateTier(spec: ObjectiveSpec, tier: Tier, c: WindowCounts): Evaluation {
  const pairs = TIER_PAIRS[tier];
  for (const p of pairs) {
    const long = c[p.long];
    if (
      long.total >= spec.minEvents &&
      burnAtLeast(long, spec.fraction, p.factor) &&
      burnAtLeast(c[p.short], spec.fraction, p.factor)
    ) {
      return { value: burnRate(long, spec.fraction), breached: true };
    }
  }
  const first = pairs[0];
  return { value: first === undefined ? null : burnRate(c[first.long], spec.fraction), breached: false };
}

/** Both tiers; the ticket tier is muted (not breached) while the page tier breaches or fires. */
export function evaluateTiers(
  spec: ObjectiveSpec,
  c: WindowCounts,
  pageFiring: boolean,
): Record<Tier, Evaluation> {
  const page = evaluateTier(spec, "page", c);
  const ticket = evaluateTier(spec, "ticket", c);
  if (ticket.breached && (page.breached || pageFiring)) ticket.breached = false;
  return { page, ticket };
}
