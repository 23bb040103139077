import { describe, expect, it } from "vitest";
import { expandValues, parseSeries } from "./test-file.js";

describe("rule test notation", () => {
  it("expands promtool's value notation", () => {
    expect(expandValues("1 2 _ 3")).toEqual([1, 2, null, 3]);
    expect(expandValues("10+5x3")).toEqual([10, 15, 20, 25]);
    expect(expandValues("10-5x2 7x2")).toEqual([10, 5, 0, 7, 7, 7]);
    expect(expandValues("_x2 1e3")).toEqual([null, null, null, 1000]);
    expect(() => expandValues("1 fast")).toThrow('value "fast" is not a number');
    expect(() => expandValues("1x1000000")).toThrow(/more than 100,000/);
  });

  it("reads a series selector with quoted labels", () => {
    expect(parseSeries('latency{probe="irs-login", agency="I\\"RS"}')).toEqual({
      metric: "latency",
      labels: { probe: "irs-login", agency: 'I"RS' },
    });
    expect(parseSeries("cost_usd")).toEqual({ metric: "cost_usd", labels: {} });
    expect(() => parseSeries("latency{probe=irs}")).toThrow(/cannot read the labels/);
  });
});
