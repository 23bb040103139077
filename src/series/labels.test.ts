import { describe, expect, it } from "vitest";
import { escapeValue, labelsKey, seriesKey, sortLabels } from "./labels.js";
import { SeriesIndex } from "./series-index.js";

const key = (metric: string, labels: Record<string, string>) => seriesKey(metric, sortLabels(labels));

describe("canonical series keys", () => {
  it("sorts labels by name whatever the order given", () => {
    expect(key("latency", { probe: "irs-login", agency: "IRS" })).toBe(
      'latency{agency="IRS",probe="irs-login"}',
    );
    expect(key("latency", { agency: "IRS", probe: "irs-login" })).toBe(
      'latency{agency="IRS",probe="irs-login"}',
    );
    expect(key("cost_usd", {})).toBe("cost_usd");
  });

  it("escapes backslash, double quote and newline in values", () => {
    expect(escapeValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(key("m", { path: 'C:\\x "y"\n' })).toBe('m{path="C:\\\\x \\"y\\"\\n"}');
  });

  it("quotes names outside the plain alphabet, so distinct label sets never share a key", () => {
    const sneaky = key("m", { 'a="1",b': "2" });
    const plain = key("m", { a: "1", b: "2" });
    expect(plain).toBe('m{a="1",b="2"}');
    expect(sneaky).toBe('m{"a=\\"1\\",b"="2"}');
    expect(sneaky).not.toBe(plain);
    expect(key("weird metric", { a: "1" })).toBe('"weird metric"{a="1"}');
  });

  it("keeps a label named __proto__ as a label", () => {
    const labels = JSON.parse('{"__proto__":"x","a":"1"}') as Record<string, string>;
    const sorted = sortLabels(labels);
    expect(Object.keys(sorted)).toEqual(["__proto__", "a"]);
    expect(labelsKey(sorted)).toBe('{__proto__="x",a="1"}');
    expect(Object.isFrozen(sorted)).toBe(true);
  });
});

describe("series index", () => {
  function filled(): SeriesIndex {
    const index = new SeriesIndex(2);
    for (const probe of ["a", "b", "c"]) {
      for (const metric of ["latency", "ok"]) {
        index.create(metric, index.canonical({ probe, agency: probe === "c" ? "SSA" : "IRS" }), undefined);
      }
    }
    index.create("cost_usd", index.canonical({}), undefined);
    return index;
  }

  it("finds series by metric and by any subset of labels", () => {
    const index = filled();
    expect(index.find("latency").map((s) => s.labels.probe)).toEqual(["a", "b", "c"]);
    expect(index.find("latency", { agency: "IRS" }).map((s) => s.labels.probe)).toEqual(["a", "b"]);
    expect(index.find("ok", { probe: "c", agency: "SSA" }).map((s) => s.key)).toEqual([
      'ok{agency="SSA",probe="c"}',
    ]);
    expect(index.find("ok", { probe: "c", agency: "IRS" })).toEqual([]);
    expect(index.find("latency", { nope: "x" })).toEqual([]);
    expect(index.find("cost_usd").map((s) => s.key)).toEqual(["cost_usd"]);
    expect(index.find("missing")).toEqual([]);
  });

  it("resolves the same label set given in another order or as another object", () => {
    const index = filled();
    const a = index.resolve("ok", { probe: "b", agency: "IRS" });
    const b = index.resolve("ok", { agency: "IRS", probe: "b" });
    const c = index.resolve("ok", JSON.parse('{"agency":"IRS","probe":"b"}'));
    expect(a).toBeDefined();
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(index.resolve("ok", { probe: "b" })).toBeUndefined();
    expect(index.resolve("latency", { probe: "z", agency: "IRS" })).toBeUndefined();
  });

  it("puts series with one label set in one chunk group, up to the group size", () => {
    const index = new SeriesIndex(2);
    const canon = index.canonical({ probe: "p" });
    const groups = Array.from({ length: 20 }, (_, i) => index.create(`m${i}`, canon, undefined).grp);
    expect(new Set(groups.slice(0, 16)).size).toBe(1);
    expect(groups[16]).not.toBe(groups[0]);
    const other = index.create("m0", index.canonical({ probe: "q" }), undefined);
    expect(groups).not.toContain(other.grp);
  });

  it("reloads persisted ids and groups and continues numbering after them", () => {
    const index = new SeriesIndex(2);
    index.load({ id: 7, metric: "ok", labels: { probe: "p" }, key: "", grp: 3 }, undefined);
    const next = index.create("latency", index.canonical({ probe: "p" }), undefined);
    expect(next.id).toBe(8);
    expect(next.grp).toBe(3);
    expect(index.create("x", index.canonical({ probe: "new" }), undefined).grp).toBe(4);
  });
});
