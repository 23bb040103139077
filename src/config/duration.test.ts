import { describe, expect, it } from "vitest";
import { formatDuration, parseByteSize, parseDuration, parsePercent } from "./duration.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["5s", 5_000],
    ["3m", 180_000],
    ["2h", 7_200_000],
    ["30d", 2_592_000_000],
    ["1h30m", 5_400_000],
    ["1m30s250ms", 90_250],
    ["1.5h", 5_400_000],
    ["0.5s", 500],
    ["0", 0],
    [" 10s ", 10_000],
  ])("%s → %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["5x", "", "s", "5", "10 seconds", "1h 30m", "-5s", "5S", "1.s", "ms"])("rejects %j", (text) => {
    expect(() => parseDuration(text)).toThrow(
      `invalid duration ${JSON.stringify(text)} (use 500ms, 5s, 3m, 2h, 30d)`,
    );
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [5_000, "5s"],
    [90_250, "1m30s250ms"],
    [5_400_000, "1h30m"],
    [2_592_000_000, "30d"],
    [86_400_000 + 1, "1d1ms"],
  ])("%d → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });

  it("refuses negative or non-finite input", () => {
    expect(() => formatDuration(-1)).toThrow();
    expect(() => formatDuration(Number.NaN)).toThrow();
  });
});

describe("parsePercent", () => {
  it.each([
    ["99.9%", 0.999],
    ["99.99%", 0.9999],
    ["99.95%", 0.9995],
    ["50%", 0.5],
    ["0.1%", 0.001],
    ["100%", 1],
    ["99.999%", 0.99999],
  ])("%s → %d exactly", (text, fraction) => {
    expect(parsePercent(text)).toBe(fraction);
  });

  it("avoids float noise where naive division has it", () => {
    expect(99.9 / 100).not.toBe(0.999);
    expect(parsePercent("99.9%")).toBe(0.999);
  });

  it.each(["99.9", "%", "abc%", "-1%"])("rejects %j", (text) => {
    expect(() => parsePercent(text)).toThrow("invalid percentage");
  });
});

describe("parseByteSize", () => {
  it.each([
    ["1mb", 1_048_576],
    ["512kb", 524_288],
    ["1MiB", 1_048_576],
    ["2gb", 2_147_483_648],
    ["100", 100],
    ["1.5kb", 1_536],
  ])("%s → %d bytes", (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it("rejects unknown units", () => {
    expect(() => parseByteSize("10 parsecs")).toThrow("invalid size");
  });
});
