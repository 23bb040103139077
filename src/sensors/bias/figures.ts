/**
 * The fairness figures of one model over one window, from per-group counts (pure). Definitions
 * (docs/bias-sensor.md):
 *   selection_rate(g)        = positive outcomes / decisions of group g
 *   disparate_impact         = lowest rate / highest rate; with a reference group, the lowest
 *                              rate(g)/rate(reference) over the other groups (four-fifths rule: < 0.8)
 *   demographic_parity_diff  = highest rate − lowest rate
 * Only groups with at least `minDecisions` decisions in the window count, so a handful of
 * decisions cannot flag a model. Ratios are one division of whole numbers (a·d / b·c rather than
 * (a/b)/(c/d)), so 35/50 over 50/50 reads exactly 0.7.
 */
import type { Tally } from "./counts.js";

export interface GroupFigures {
  group: string;
  decisions: number;
  positives: number;
  /** Null while the group has fewer than `min_decisions` decisions in the window. */
  selection_rate: number | null;
}

export interface ModelFigures {
  model: string;
  groups: GroupFigures[];
  /** Null with fewer than two counted groups (or a counted reference and one other), or a 0 baseline rate. */
  disparate_impact: number | null;
  demographic_parity_diff: number | null;
  /** The group the ratio is taken against: the reference, else the highest rate. */
  baseline: string | null;
  /** The group with the lowest ratio to the baseline. */
  lowest: string | null;
  /** `disparate_impact < 0.8`: the four-fifths rule's adverse-impact flag. */
  four_fifths_flag: boolean | null;
}

export interface FigureSettings {
  minDecisions: number;
  reference?: string | undefined;
}

export const FOUR_FIFTHS = 0.8;

/** `(a/b) / (c/d)` as one division: exact to the last bit when the products are safe integers. */
export function rateRatio(a: number, b: number, c: number, d: number): number {
  const num = a * d;
  const den = b * c;
  return Number.isSafeInteger(num) && Number.isSafeInteger(den) ? num / den : a / b / (c / d);
}

/** `a/b − c/d` as one division (same reason). */
export function rateDiff(a: number, b: number, c: number, d: number): number {
  const num = a * d - c * b;
  const den = b * d;
  return Number.isSafeInteger(a * d) && Number.isSafeInteger(c * b) && Number.isSafeInteger(den)
    ? num / den
    : a / b - c / d;
}

interface Counted {
  group: string;
  d: number;
  p: number;
}

/** Figures of one model; `groups` in the order given (callers sort by name). */
export function modelFigures(
  model: string,
  tallies: readonly (Tally & { group: string })[],
  s: FigureSettings,
): ModelFigures {
  const counted: Counted[] = [];
  const groups = tallies.map((t): GroupFigures => {
    const enough = t.decisions >= s.minDecisions && t.decisions > 0;
    if (enough) counted.push({ group: t.group, d: t.decisions, p: t.positives });
    return {
      group: t.group,
      decisions: t.decisions,
      positives: t.positives,
      selection_rate: enough ? t.positives / t.decisions : null,
    };
  });
  const out: ModelFigures = {
    model,
    groups,
    disparate_impact: null,
    demographic_parity_diff: null,
    baseline: null,
    lowest: null,
    four_fifths_flag: null,
  };
  if (counted.length < 2) return out;
  // Exact comparisons of rates by cross-multiplication (p1/d1 < p2/d2 ⇔ p1·d2 < p2·d1).
  const below = (x: Counted, y: Counted) => x.p * y.d < y.p * x.d;
  let lo = counted[0] as Counted;
  let hi = lo;
  for (const c of counted) {
    if (below(c, lo)) lo = c;
    if (below(hi, c)) hi = c;
  }
  out.demographic_parity_diff = rateDiff(hi.p, hi.d, lo.p, lo.d);
  const ref = s.reference === undefined ? hi : counted.find((c) => c.group === s.reference);
  if (ref === undefined) return out;
  const others = s.reference === undefined ? counted : counted.filter((c) => c !== ref);
  let worst = others[0] as Counted;
  for (const c of others) if (below(c, worst)) worst = c;
  out.baseline = ref.group;
  out.lowest = worst.group;
  if (ref.p === 0) {
    // Every rate 0 is parity (1); a 0 baseline with a higher rate elsewhere has no finite ratio.
    if (others.some((c) => c.p !== 0)) return out;
    out.disparate_impact = 1;
  } else {
    out.disparate_impact = rateRatio(worst.p, worst.d, ref.p, ref.d);
  }
  out.four_fifths_flag = out.disparate_impact < FOUR_FIFTHS;
  return out;
}
