import { describe, expect, it } from "vitest";
import { modelFigures, rateDiff, rateRatio } from "./figures.js";

const t = (group: string, decisions: number, positives: number) => ({ group, decisions, positives });

describe("modelFigures", () => {
  it("B selected at 70 % of A's rate: disparate impact exactly 0.7, parity difference exactly 0.3, flagged", () => {
    const f = modelFigures("m", [t("A", 50, 50), t("B", 50, 35)], { minDecisions: 30 });
    expect(f.groups.map((g) => g.selection_rate)).toEqual([1, 0.7]);
    expect(f.disparate_impact).toBe(0.7);
    expect(f.demographic_parity_diff).toBe(0.3); // 1 - 0.7 in floating point would be 0.30000000000000004
    expect(f).toMatchObject({ baseline: "A", lowest: "B", four_fifths_flag: true });
  });

  it("ratios are one division of whole numbers: 14/60 over 20/60 reads 0.7, not 0.7000000000000001", () => {
    expect(14 / 60 / (20 / 60)).not.toBe(0.7);
    expect(20 / 60 - 14 / 60).not.toBe(0.1);
    const f = modelFigures("m", [t("A", 60, 20), t("B", 60, 14)], { minDecisions: 30 });
    expect(f.disparate_impact).toBe(0.7);
    expect(f.demographic_parity_diff).toBe(0.1);
    expect(rateRatio(14, 60, 20, 60)).toBe(0.7);
    expect(rateDiff(20, 60, 14, 60)).toBe(0.1);
  });

  it("exactly four fifths is not flagged", () => {
    const f = modelFigures("m", [t("A", 40, 20), t("B", 40, 16)], { minDecisions: 30 });
    expect(f.disparate_impact).toBe(0.8);
    expect(f.four_fifths_flag).toBe(false);
  });

  it("a group under min_decisions is left out of the ratio and has no rate", () => {
    const f = modelFigures("m", [t("A", 60, 30), t("B", 60, 27), t("C", 29, 0)], { minDecisions: 30 });
    expect(f.groups[2]).toEqual({ group: "C", decisions: 29, positives: 0, selection_rate: null });
    expect(f.disparate_impact).toBe(0.9);
    expect(f.lowest).toBe("B");
  });

  it("fewer than two counted groups: no ratio, no difference", () => {
    const f = modelFigures("m", [t("A", 100, 50), t("B", 10, 0)], { minDecisions: 30 });
    expect(f.disparate_impact).toBeNull();
    expect(f.demographic_parity_diff).toBeNull();
    expect(f.four_fifths_flag).toBeNull();
  });

  it("with a reference group: the lowest ratio of the other groups to the reference (may exceed 1)", () => {
    const groups = [t("A", 100, 40), t("B", 100, 60), t("C", 100, 30)];
    const f = modelFigures("m", groups, { minDecisions: 30, reference: "A" });
    expect(f.disparate_impact).toBe(0.75);
    expect(f).toMatchObject({ baseline: "A", lowest: "C" });
    expect(f.demographic_parity_diff).toBe(0.3);
    const above = modelFigures("m", [t("A", 100, 40), t("B", 100, 60)], { minDecisions: 30, reference: "A" });
    expect(above.disparate_impact).toBe(1.5);
    expect(above.four_fifths_flag).toBe(false);
  });

  it("a reference under min_decisions: no ratio, the difference still", () => {
    const f = modelFigures("m", [t("A", 5, 1), t("B", 100, 60), t("C", 100, 30)], {
      minDecisions: 30,
      reference: "A",
    });
    expect(f.disparate_impact).toBeNull();
    expect(f.demographic_parity_diff).toBe(0.3);
  });

  it("every rate 0 is parity (1); a 0 reference rate against a positive one has no finite ratio", () => {
    expect(modelFigures("m", [t("A", 40, 0), t("B", 40, 0)], { minDecisions: 30 }).disparate_impact).toBe(1);
    const f = modelFigures("m", [t("A", 40, 0), t("B", 40, 4)], { minDecisions: 30, reference: "A" });
    expect(f.disparate_impact).toBeNull();
    expect(f.demographic_parity_diff).toBe(0.1);
  });
});
