import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.js";

describe("backoffDelay", () => {
  it("doubles from 1 s and caps at 5 min", () => {
    const none = { jitter: 0 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, none))).toEqual([1000, 2000, 4000, 8000, 16_000]);
    expect(backoffDelay(9, none)).toBe(256_000);
    expect(backoffDelay(10, none)).toBe(300_000);
    expect(backoffDelay(10_000, none)).toBe(300_000);
  });

  it("jitters within (d/2, d] by default and still grows attempt by attempt", () => {
    expect(backoffDelay(3, {}, () => 0)).toBe(4000);
    expect(backoffDelay(3, {}, () => 0.999_999)).toBe(2000);
    for (let n = 1; n < 9; n++) {
      expect(backoffDelay(n + 1, {}, () => 0.999_999)).toBeGreaterThanOrEqual(backoffDelay(n, {}, () => 0));
    }
  });
});
