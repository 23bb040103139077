import { describe, expect, it } from "vitest";
import { DueHeap, type HeapItem } from "./due-heap.js";
import { MsHistogram } from "./histogram.js";

describe("DueHeap", () => {
  it("pops in due order through pushes and removals", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const heap = new DueHeap<HeapItem & { id: number }>();
    const items = Array.from({ length: 2_000 }, (_, id) => ({
      id,
      due: Math.floor(rand() * 10_000),
      heapIndex: -1,
    }));
    for (const item of items) heap.push(item);
    const removed = new Set<number>();
    for (const item of items) {
      if (rand() < 0.3) {
        heap.remove(item);
        removed.add(item.id);
        expect(item.heapIndex).toBe(-1);
      }
    }
    heap.remove(items.find((i) => removed.has(i.id))!); // removing twice is a no-op
    const out: number[] = [];
    for (let item = heap.pop(); item; item = heap.pop()) out.push(item.due);
    const expected = items
      .filter((i) => !removed.has(i.id))
      .map((i) => i.due)
      .sort((a, b) => a - b);
    expect(out).toEqual(expected);
    expect(heap.size).toBe(0);
  });
});

describe("MsHistogram", () => {
  it("reads quantiles to the bucket (1 ms below 100 ms) and never above the max", () => {
    const h = new MsHistogram();
    for (let i = 1; i <= 100; i++) h.record(i - 0.5);
    expect(h.summary()).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 99.5 });
    h.record(4_321);
    expect(h.quantile(1)).toBe(4_321);
    expect(h.quantile(0.999)).toBe(4_321);
    h.reset();
    expect(h.summary()).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0 });
    h.record(-3);
    h.record(Number.NaN);
    expect(h.summary()).toMatchObject({ count: 2, max: 0, p99: 0 });
  });

  it("buckets larger values coarsely", () => {
    const h = new MsHistogram();
    h.record(155);
    h.record(2_050);
    h.record(500_000);
    expect([h.quantile(0.3), h.quantile(0.6), h.quantile(1)]).toEqual([160, 2_100, 500_000]);
  });
});
