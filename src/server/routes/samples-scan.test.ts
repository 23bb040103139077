/**
 * The fast path against the general one: whatever scanSamples accepts, JSON.parse + parseSamples
 * accepts too, with equal samples; plain valid bodies take the fast path; everything else is left
 * to the general path (which gives the 400 naming index and field).
 */
import { describe, expect, it } from "vitest";
import type { ProbeConfig } from "../../config/index.js";
import { rng } from "../../series/harness.case.js";
import { MAX_BATCH, parseSamples } from "./samples-parse.js";
import { scanSamples } from "./samples-scan.js";

const push = (labels: Record<string, string>): ProbeConfig => ({
  name: "queue",
  type: "push",
  labels,
  interval: 30_000,
  timeout: 10_000,
});
let probes: Record<string, ProbeConfig> = {
  queue: push({ agency: "OSERS" }),
  web: { name: "web", type: "tcp", target: "127.0.0.1:1", labels: {}, interval: 30_000, timeout: 10_000 },
};
const ctx = {
  now: 1_700_000_000_000,
  probe: (name: string) => {
    const spec = probes[name];
    return spec ? { name, source: "config" as const, spec } : undefined;
  },
};

const scan = (text: string) => scanSamples(Buffer.from(text), ctx);

/** The general path's answer: samples, or the refusal. */
function general(text: string): unknown {
  try {
    return parseSamples(JSON.parse(text), ctx);
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

/** Asserts the fast path agrees with the general one; returns whether it took the body. */
function agrees(text: string): boolean {
  const fast = scan(text);
  if (fast === undefined) return false;
  expect(fast, text).toEqual(general(text));
  return true;
}

const next = rng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
const ws = () => pick(["", "", " ", "\n  ", "\t", "\r\n"]);

function plainSample(): string {
  const fields: string[] = [];
  const probe = next() < 0.3;
  if (probe) fields.push(`"probe":${ws()}"queue"`);
  if (!probe || next() < 0.5) fields.push(`"metric":"${pick(["m", "cost_usd", "a.b:c", "_x9"])}"`);
  fields.push(
    `"value":${pick(["0", "-0", "42", "-7", "1.5", "2.5e3", "-1E-2", "123456789012345", "9007199254740993", "0.1"])}`,
  );
  if (next() < 0.4) fields.push(`"ts"${ws()}:${ws()}${pick(["1700000000123", "1", "1.0", "17e11"])}`);
  if (next() < 0.7) {
    const n = Math.floor(next() * 4);
    const pairs = Array.from(
      { length: n },
      (_, k) =>
        `"${pick(["host", "region", "constructor", "toString", "_"])}${k}":"${pick(["h1", "", "é ü", "x".repeat(256)])}"`,
    );
    fields.push(`"labels":{${ws()}${pairs.join(`,${ws()}`)}${ws()}}`);
  }
  fields.sort(() => next() - 0.5);
  return `{${ws()}${fields.join(`${ws()},${ws()}`)}${ws()}}`;
}

const body = (samples: string[]) =>
  `${ws()}{${ws()}"samples"${ws()}:${ws()}[${samples.join(",")}]${ws()}}${ws()}`;

describe("scanSamples", () => {
  it("takes plain valid bodies and gives exactly the general path's samples", () => {
    for (let i = 0; i < 500; i++) {
      const text = body(Array.from({ length: 1 + Math.floor(next() * 5) }, plainSample));
      expect(agrees(text), text).toBe(true);
    }
    expect(agrees('{"samples":[]}')).toBe(true);
  });

  it.each([
    ['{"samples":[{"metric":"m","value":1,"labels":{"__proto__":"x"}}]}', "a __proto__ label"],
    ['{"samples":[{"metric":"m","value":1,"__proto__":{}}]}', "a __proto__ field"],
    ['{"__proto__":{},"samples":[]}', "a __proto__ body key"],
    ['{"samples":[{"metric":"m","value":1,"labels":{"probe":"x"}}]}', "a reserved label"],
    ['{"samples":[{"metric":"m","value":1,"labels":{"a-b":"x"}}]}', "a bad label name"],
    [`{"samples":[{"metric":"m","value":1,"labels":{"a":"${"x".repeat(257)}"}}]}`, "a long label value"],
    ['{"samples":[{"metric":"m","value":1,"labels":{"a":"1","a":"2"}}]}', "a repeated label"],
    ['{"samples":[{"metric":"m","value":1,"value":2}]}', "a repeated field"],
    ['{"samples":[{"metric":"m","value":1,"colour":"red"}]}', "an unknown field"],
    ['{"samples":[{"metric":"m\\u0041","value":1}]}', "an escape"],
    ['{"samples":[{"metric":"m","value":"1"}]}', "a string value"],
    ['{"samples":[{"metric":"m","value":null}]}', "a null value"],
    ['{"samples":[{"metric":"m","value":1e400}]}', "an infinite value"],
    ['{"samples":[{"metric":"m","value":01}]}', "a leading zero"],
    ['{"samples":[{"metric":"m","value":1,}]}', "a trailing comma"],
    ['{"samples":[{"metric":"m","value":1}],}', "a trailing comma after the array"],
    ['{"samples":[{"metric":"m","value":1,"ts":-5}]}', "a negative ts"],
    ['{"samples":[{"metric":"m","value":1,"ts":1.5}]}', "a fractional ts"],
    ['{"samples":[{"metric":"1m","value":1}]}', "a bad metric name"],
    ['{"samples":[{"value":1}]}', "no metric and no probe"],
    ['{"samples":[{"probe":"nope","value":1}]}', "an unknown probe"],
    ['{"samples":[{"probe":"web","value":1}]}', "a probe that is not push"],
    ['{"samples":[{"metric":"m","value":1,"labels":[]}]}', "labels as an array"],
    ['{"samples":[{"metric":"m","value":1,"labels":{"a":1}}]}', "a number label"],
    ['{"samples":[{}]}', "an empty sample"],
    ['{"samples":{}}', "samples as an object"],
    ['{"samples":[{"metric":"m","value":1}]} x', "trailing text"],
    ['{"samples":[{"metric":"m","value":1}]', "a cut body"],
    ["[1]", "an array body"],
  ])("leaves %s (%s) to the general path", (text) => {
    expect(scan(text)).toBeUndefined();
  });

  it("leaves more than 32 labels and more than MAX_BATCH samples to the general path", () => {
    const labels = Array.from({ length: 33 }, (_, k) => `"l${k}":"v"`).join(",");
    expect(scan(`{"samples":[{"metric":"m","value":1,"labels":{${labels}}}]}`)).toBeUndefined();
    const many = Array.from({ length: MAX_BATCH + 1 }, () => '{"metric":"m","value":1}').join(",");
    expect(scan(`{"samples":[${many}]}`)).toBeUndefined();
  });

  it("never accepts what the general path refuses, whatever is cut or changed", () => {
    const base = body(Array.from({ length: 3 }, plainSample));
    for (let i = 0; i < 2000; i++) {
      const at = Math.floor(next() * base.length);
      const text =
        next() < 0.5
          ? base.slice(0, at) + base.slice(at + 1)
          : base.slice(0, at) +
            pick(['"', "\\", ",", "}", "{", "]", "0", "-", "e", ".", "x", " "]) +
            base.slice(at);
      agrees(text);
    }
  });

  it("reads UTF-8 label values as the general path decodes them, even broken sequences", () => {
    expect(agrees('{"samples":[{"metric":"m","value":1,"labels":{"agency":"Sécurité sociale 社会"}}]}')).toBe(
      true,
    );
    const bytes = Buffer.concat([
      Buffer.from('{"samples":[{"metric":"m","value":1,"labels":{"a":"x'),
      Buffer.from([0xff, 0xe2, 0x82]),
      Buffer.from('"}}]}'),
    ]);
    const fast = scanSamples(bytes, ctx);
    expect(fast).toEqual(parseSamples(JSON.parse(bytes.toString("utf8")), ctx));
    expect(fast?.[0]?.labels.a).toContain("\ufffd");
    expect(scan('{"samples":[{"metric":"mé","value":1}]}')).toBeUndefined();
  });

  it("hands out one frozen object per label set, and a new one when a probe's labels change", () => {
    const text =
      '{"samples":[{"probe":"queue","value":1,"labels":{"a":"1"}},{"probe":"queue","value":2,"labels":{"a":"1"}}]}';
    const [x, y] = scan(text) ?? [];
    expect(x?.labels).toBe(y?.labels);
    expect(Object.isFrozen(x?.labels)).toBe(true);
    expect(x?.labels).toEqual({ agency: "OSERS", probe: "queue", a: "1" });
    probes = { ...probes, queue: push({ agency: "SSA" }) };
    expect(scan(text)?.[0]?.labels).toEqual({ agency: "SSA", probe: "queue", a: "1" });
  });
});
