import { describe, expect, it } from "vitest";
import { didYouMean, nearest } from "./suggest.js";

describe("nearest", () => {
  const keys = ["interval", "timeout", "target", "labels", "onFail", "run", "http"];

  it.each([
    ["intervl", "interval"],
    ["frequency", undefined],
    ["onFial", "onFail"],
    ["Timeout", "timeout"],
    ["rn", "run"],
    ["htp", "http"],
    ["colour", undefined],
    ["x", undefined],
  ])("%s → %s", (word, hit) => {
    expect(nearest(word, keys)).toBe(hit);
  });

  it("prefers the closest of several candidates", () => {
    expect(nearest("irs-logn", ["irs-login", "irs-logout", "irs"])).toBe("irs-login");
  });

  it("formats the hint", () => {
    expect(didYouMean("repaet", ["repeat", "notify"])).toBe(" (did you mean `repeat`?)");
    expect(didYouMean("zzz", ["repeat"])).toBe("");
  });
});
