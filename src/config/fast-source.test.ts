// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold ${ENV} references, not templates
/**
 * The fast reader (js-yaml) against the positioned one (`yaml`): whenever the fast one accepts a
 * text, `yaml` must accept it too and read exactly the same value (key order, -0, NaN included).
 * Where the two libraries differ, the fast reader must decline, which sends the file to `yaml`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseSourceFast, resolveCoreScalar } from "./fast-source.js";
import { TESTDATA } from "./fixtures.case.js";
import { parseSource } from "./source.js";

/** JSON with key order kept, and the numbers JSON cannot hold spelled out. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0))
      ? `#${Object.is(v, -0) ? "-0" : v}`
      : v,
  );
}

type Verdict = "same" | "declined" | "fast accepts what yaml rejects" | "values differ";

function compare(text: string): Verdict {
  const fast = parseSourceFast("/x/ops.yml", "ops.yml", text);
  if (fast.errors.length > 0) return "declined";
  const slow = parseSource("/x/ops.yml", "ops.yml", text);
  if (slow.errors.length > 0) return "fast accepts what yaml rejects";
  return canonical(fast.value) === canonical(slow.value) ? "same" : "values differ";
}

// Read alike by both: the fast reader must accept these (else the fast path would rarely apply).
const AGREE = [
  "",
  "# only a comment\n",
  "---\n",
  "--- \na: 1\n",
  "a: 1\n...\n",
  "a: yes\nb: no\nc: on\nd: off\ne: y\nf: True\ng: TRUE\nh: tRUE\n",
  "a: 010\nb: 0o17\nc: 0x1F\nd: 0X1F\ne: 0b101\nf: 1_000\ng: +12\nh: -0\ni: 0o8\nj: 0xa\n",
  "a: 1.5\nb: .5\nc: 5.\nd: 1e3\ne: 1E-3\nf: .inf\ng: -.Inf\nh: .NaN\ni: +.inf\nj: 1_0.5\nk: -.5e2\n",
  "a: 9007199254740993\nb: 123456789012345678901234567890\nc: 1e400\nd: -0.0\ne: 0.0\n",
  "a: 12abc\nb: 0x\nc: 0o\nd: -0x1\ne: +0o7\nf: 1:30\ng: 190:20:30\nh: 1__0\n",
  "a: .\nb: +\nc: ..\nd: .e1\ne: 1.e1\nf: +.5\ng: 1e\nh: e1\ni: inf\nj: nan\nk: -inf\n",
  "a: 2026-11-01\nb: 2026-11-01T02:00:00Z\nc: 2001-12-14 21:59:43.10 -5\n",
  "a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: nULL\ng: ''\n",
  "'': a\n",
  'a: "\\x41\\u0042\\U00000043\\N\\_\\L\\P\\/\\t\\ "\n',
  "a: 'it''s'\nb: \"\\\"\"\nc: '\"'\n",
  "a: plain\n  continued\n  more\n",
  "a: plain # comment\nb: x#y\nc: x #c\n  # only comment\nd: 1\n",
  "a: |\n  lit\n  text\n\nb: |-\n  lit\nc: |+\n  lit\n\n",
  "a: >\n  fold\n  ed\n\n  para\nb: >-\n  a\n   indented\n  b\nc: |2\n   two\n",
  "a: >\n  x\n \n  y\nb: |\n  x\n  \nc: |1\n  x\n",
  "\ufeffa: 1\n",
  "a: 1\r\nb: 2\r\n",
  "a: [1, 2,]\nb: {c: 1,}\nc: [a, b: c]\nd: {e}\ne: []\nf: {}\n",
  "a: {b: [1, {c: d}], 'e': \"f\"}\n",
  "- {a: [1]}\n- { b: {c: 1} }\n- [{d: [2]}]\n",
  "a:\n  - { x: [1], y: { z: 2 } }\n",
  "- - a\n  - b\n- c\n",
  "a:\n- 1\n- 2\n",
  "-   a: 1\n    b: 2\n",
  "a:\n  -   b: 1\n      c: 2\n",
  "a: x%\nb: -x\nc: ?x\nd: :x\ne: x:y\nf: http://x:80/y\ng: x\\y\nh: \\x41\n",
  "a: '${X}'\nb: ${X}\nc: $${Y}\n",
  "__proto__: { a: 1 }\nconstructor: 1\ntoString: 2\n",
  'a: "\\uD83D\\uDE00"\nb: "\\uD800"\nc: é\né: 1\n',
  "a: x\u0085y\nb: x\u2028y\nc: x\u00a0\n",
  'a:\tb\nc: 1\t\nd: "x\t"\ne: [1,\t2]\n',
  "a: [x]\nb: \"x\" # c\nc: 'x' #c\nd: [b#]\ne: {f: g#}\n",
  "- a\n-\n- c\n",
  "a: 1\n\n\n\nb: 2\n",
  "a: x\n\n y\n",
  "a: 1\n... # c\n",
  "[a, b]\n",
  "scalar\n",
];

// Where the libraries part (or only `yaml` is strict): the fast reader must decline these.
const DECLINE = [
  // anchors and aliases (alias-count limits), merge keys
  "a: &x 1\nb: *x\n",
  "base: &b { x: 1 }\nc: *b\n",
  "- &a x\n- *a\n",
  "<<: { a: 1 }\nb: 2\n",
  "b: 2\n<<: { a: 1, b: 3 }\n",
  "'<<': 1\n",
  "a:\n  <<: [{x: 1}, {y: 2}]\n",
  // tags
  "a: !!str 123\n",
  "a: !!int '5'\n",
  "a: !!binary aGVsbG8=\n",
  "a: !!timestamp 2020-01-01\n",
  "a: !!set { x }\n",
  "a: !custom x\n",
  "a: ! 12\n",
  "!!map { a: 1 }\n",
  // directives switch `yaml` to YAML 1.1 (`yes` is true there)
  "%YAML 1.1\n---\na: yes\n",
  "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n",
  // keys: collections, null, explicit, very long
  "[a]: x\n",
  "{a: 1}: x\n",
  "? [a, b]\n: x\n",
  "? - a\n  - b\n: x\n",
  "? a\n: b\n",
  "deploy:\n  ? onFail: rollback\n",
  "x: [[a]: 1]\n",
  "x: {[a]: 1}\n",
  "x: {[a]}\n",
  "x: {b: 1, [a]}\n",
  "~: a\n",
  "null: a\n",
  `k${"x".repeat(1100)}: 1\n`,
  // line breaks and layout only `yaml` rejects
  "a: 1\rb: 2\r",
  "--- a: 1\n",
  "--- - a\n",
  "a: [\n1]\n",
  "a: {\nb: 1}\n",
  "a: [1,\n2]\n",
  'a: "x\ny"\n',
  "a: 'x\ny'\n",
  "a:\n  b: [\n  1]\n",
  "a:\n  - b: [\n    1]\n",
  "- a: [\n  1]\n",
  'a:\n  b: "x\n  y"\n',
  "a: [x]#c\n",
  'a: "x"#c\n',
  // plain errors
  "a: 1\na: 2\n",
  "a: 1\n---\nb: 2\n",
  "a: b: c\n",
  "a: [1, 2\n",
  "a: *x\n",
];

describe("resolveCoreScalar (yaml's core schema)", () => {
  it.each([
    ["", null],
    ["~", null],
    ["NULL", null],
    ["True", true],
    ["false", false],
    ["0o17", 15],
    ["-12", -12],
    ["0x1F", 31],
    [".5", 0.5],
    ["1e3", 1000],
    ["-.inf", Number.NEGATIVE_INFINITY],
    ["+.inf", Number.POSITIVE_INFINITY],
  ])("%j → %j", (text, value) => {
    expect(resolveCoreScalar(text)).toBe(value);
  });
  it.each(["yes", "no", "1_000", "0b101", "0X1F", "+.nan", "2026-11-01", "nULL", "tRUE", ".", "1e"])(
    "%j stays a string",
    (text) => {
      expect(typeof resolveCoreScalar(text)).toBe("symbol");
    },
  );
});

describe("parseSourceFast against yaml", () => {
  it.each(AGREE)("reads %j as yaml does", (text) => {
    expect(compare(text)).toBe("same");
  });

  it.each(DECLINE)("declines %j", (text) => {
    expect(compare(text)).toBe("declined");
  });

  it("never accepts or misreads a mutated example file (seeded fuzz)", () => {
    const files = [
      "good/full.yml",
      "good/slos-mapping.yml",
      "good/seed/ops.yml",
      "good/seed/rules/slo.yml",
    ].map((f) => readFileSync(path.join(TESTDATA, f), "utf8"));
    const tokens = [
      ...[":", "-", "[", "]", "{", "}", ",", '"', "'", "#", "&a", "*a", "!", "|", ">", "%", "@", "`", "~"],
      ...[" ", "  ", "\n", "\t", "\r", "? ", ": ", "- ", "<<: ", "---", "...", "\n  ", "\n- ", "[\n", '"x\n'],
      ...["0x1", "1_0", "0o7", ".inf", "yes", "null", "\\", "\u0085", "\u2028", "\ufeff", "${A}", "\n---\n"],
    ];
    let seed = 20261115;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const wrong: string[] = [];
    for (let i = 0; i < 1500; i++) {
      let text = pick(files);
      for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
        const at = Math.floor(random() * text.length);
        const op = random();
        if (op < 0.45) text = text.slice(0, at) + pick(tokens) + text.slice(at);
        else if (op < 0.75) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 3));
        else {
          const lines = text.split("\n");
          const k = Math.floor(random() * lines.length);
          const how = random();
          if (how < 0.3) lines.splice(k, 0, lines[k]!);
          else if (how < 0.6) lines[k] = ` ${lines[k]}`;
          else lines[k] = lines[k]!.replace(/^ /, "");
          text = lines.join("\n");
        }
      }
      const verdict = compare(text);
      if (verdict !== "same" && verdict !== "declined") wrong.push(`${verdict}: ${JSON.stringify(text)}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe("parseSourceFast", () => {
  it("has no positions: locate() is always undefined", () => {
    const { src, value, errors } = parseSourceFast("/x/ops.yml", "ops.yml", "a: 1\n");
    expect(errors).toEqual([]);
    expect(value).toEqual({ a: 1 });
    expect(src.locate()).toBeUndefined();
  });

  it("reads an empty file as null, like yaml", () => {
    expect(parseSourceFast("/x/ops.yml", "ops.yml", "").value).toBeNull();
  });
});
