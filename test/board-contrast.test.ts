/**
 * WCAG AA for the board (issue 7): every text colour the tiles and pages use has a contrast ratio
 * of at least 4.5:1 against the background it is drawn on, read from the stylesheet itself.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const css = readFileSync(new URL("../web/src/style.css", import.meta.url), "utf8");
/** `#abc` → `#aabbcc`. */
const long = (hex: string) => (hex.length === 4 ? `#${[...hex.slice(1)].map((c) => c + c).join("")}` : hex);
const vars = new Map(
  [...css.matchAll(/--([a-z-]+):\s*(#(?:[0-9a-f]{6}|[0-9a-f]{3}))\b/gi)].map((m) => [m[1], long(m[2] ?? "")]),
);

function colour(name: string): string {
  const value = name.startsWith("#") ? name : vars.get(name);
  if (!value) throw new Error(`no colour --${name} in web/src/style.css`);
  return value;
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const ratio = (a: string, b: string) => {
  const [hi, lo] = [luminance(colour(a)), luminance(colour(b))].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};

describe("board colours", () => {
  const pairs: [string, string][] = [
    ["ok-fg", "ok-bg"],
    ["warn-fg", "warn-bg"],
    ["bad-fg", "bad-bg"],
    ["fg", "ok-bg"],
    ["fg", "warn-bg"],
    ["fg", "bad-bg"],
    ["muted", "ok-bg"],
    ["muted", "warn-bg"],
    ["muted", "bad-bg"],
    ["muted", "bg"],
    ["fg", "card"],
    ["link", "bg"],
    ["link", "card"],
    ["#ffffff", "#16202e"], // header
    ["#ffffff", "#0b4fa8"], // primary button
    ["#ffffff", "#a3261a"], // reject button
  ];
  for (const [fg, bg] of pairs) {
    it(`${fg} on ${bg} meets AA (4.5:1)`, () => {
      expect(ratio(fg, bg)).toBeGreaterThanOrEqual(4.5);
    });
  }
});
