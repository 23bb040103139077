// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold ${ENV} references, not templates
import { describe, expect, it } from "vitest";
import { type Interpolation, interpolate, interpolateTree } from "./env.js";

describe("interpolate", () => {
  const env = { TOKEN: "s3cret", EMPTY: "", HOST: "db.internal" };

  it.each([
    ["${TOKEN}", "s3cret"],
    ["Bearer ${TOKEN}!", "Bearer s3cret!"],
    ["${HOST}:${HOST}", "db.internal:db.internal"],
    ["$${TOKEN}", "${TOKEN}"],
    ["cost: $5 and ${ x", "cost: $5 and ${ x"],
    ["${MISSING:-fallback}", "fallback"],
    ["${EMPTY:-fallback}", "fallback"],
    ["${TOKEN:-fallback}", "s3cret"],
    ["${EMPTY}", ""],
    ["no references", "no references"],
  ])("%s → %s", (text, expected) => {
    const problems: { index: number; message: string }[] = [];
    expect(interpolate(text, env, problems)).toBe(expected);
    expect(problems).toEqual([]);
  });

  it("reports each unset variable with its offset", () => {
    const problems: { index: number; message: string }[] = [];
    interpolate("a ${NOPE} b ${NADA}", env, problems);
    expect(problems).toEqual([
      { index: 2, message: "environment variable `NOPE` is not set" },
      { index: 12, message: "environment variable `NADA` is not set" },
    ]);
  });

  it("reports malformed references", () => {
    const problems: { index: number; message: string }[] = [];
    interpolate("x ${1BAD}", env, problems);
    expect(problems).toEqual([
      { index: 2, message: "invalid environment reference `${1BAD}` (write ${NAME})" },
    ]);
  });
});

describe("interpolateTree", () => {
  it("interpolates strings at any depth, leaves keys and other values alone, and names the path", () => {
    const into: Interpolation = { problems: [], written: new Map() };
    const out = interpolateTree(
      { "${KEY}": 1, list: ["${A}", true, { deep: "x${GONE}" }], n: 5, none: null },
      { A: "a", KEY: "k" },
      into,
    );
    expect(out).toEqual({ "${KEY}": 1, list: ["a", true, { deep: "x" }], n: 5, none: null });
    expect(into.problems).toEqual([
      { path: ["list", 2, "deep"], index: 1, message: "environment variable `GONE` is not set" },
    ]);
    expect([...into.written]).toEqual([
      ['["list",0]', "${A}"],
      ['["list",2,"deep"]', "x${GONE}"],
    ]);
  });
});
