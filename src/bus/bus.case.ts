import { afterEach, describe, expect, it } from "vitest";
import type { Bus } from "./index.js";

// Topics that exist only for the contract suite (this file is never part of the build).
declare module "./index.js" {
  interface BusTopics {
    "test.contract.a": { n: number; tags?: string[] };
    "test.contract.b": { n: number };
  }
}

/**
 * The contract every Bus implementation passes (in-process now, Redis Streams later). `open`
 * returns a fresh bus each time; the suite closes what it opens.
 */
export function busContract(name: string, open: () => Promise<Bus>): void {
  describe(`Bus contract: ${name}`, () => {
    const opened: Bus[] = [];
    const fresh = async () => {
      const bus = await open();
      opened.push(bus);
      return bus;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((b) => b.close()));
    });

    it("delivers an event, as published, to every subscriber of its topic only", async () => {
      const bus = await fresh();
      const a1: unknown[] = [];
      const a2: unknown[] = [];
      const b: unknown[] = [];
      bus.subscribe("test.contract.a", (e) => void a1.push(e));
      bus.subscribe("test.contract.a", (e) => void a2.push(e));
      bus.subscribe("test.contract.b", (e) => void b.push(e));
      await bus.publish("test.contract.a", { n: 1, tags: ["x", "y"] });
      expect(a1).toEqual([{ n: 1, tags: ["x", "y"] }]);
      expect(a2).toEqual([{ n: 1, tags: ["x", "y"] }]);
      expect(b).toEqual([]);
    });

    it("resolves publish with no subscriber", async () => {
      const bus = await fresh();
      await expect(bus.publish("test.contract.b", { n: 1 })).resolves.toBeUndefined();
    });

    it("stops delivering after unsubscribe, and unsubscribing twice is harmless", async () => {
      const bus = await fresh();
      const seen: number[] = [];
      const off = bus.subscribe("test.contract.a", (e) => void seen.push(e.n));
      const keep = bus.subscribe("test.contract.a", () => {});
      await bus.publish("test.contract.a", { n: 1 });
      off();
      off();
      await bus.publish("test.contract.a", { n: 2 });
      expect(seen).toEqual([1]);
      keep();
    });

    it("treats two subscriptions of one function as two", async () => {
      const bus = await fresh();
      const seen: number[] = [];
      const handler = (e: { n: number }) => void seen.push(e.n);
      const off1 = bus.subscribe("test.contract.a", handler);
      bus.subscribe("test.contract.a", handler);
      off1();
      await bus.publish("test.contract.a", { n: 7 });
      expect(seen).toEqual([7]);
    });

    it("resolves publish only after async handlers have finished", async () => {
      const bus = await fresh();
      let finished = false;
      bus.subscribe("test.contract.a", async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        finished = true;
      });
      await bus.publish("test.contract.a", { n: 1 });
      expect(finished).toBe(true);
    });

    it("keeps delivering when a handler throws or rejects, and publish still resolves", async () => {
      const bus = await fresh();
      const seen: number[] = [];
      bus.subscribe("test.contract.a", () => {
        throw new Error("sync failure");
      });
      bus.subscribe("test.contract.a", async () => {
        throw new Error("async failure");
      });
      bus.subscribe("test.contract.a", (e) => void seen.push(e.n));
      await expect(bus.publish("test.contract.a", { n: 1 })).resolves.toBeUndefined();
      await expect(bus.publish("test.contract.a", { n: 2 })).resolves.toBeUndefined();
      expect(seen).toEqual([1, 2]);
    });

    it("preserves publish order per topic", async () => {
      const bus = await fresh();
      const seen: number[] = [];
      bus.subscribe("test.contract.a", async (e) => {
        seen.push(e.n);
        await new Promise((resolve) => setTimeout(resolve, e.n % 3));
      });
      await Promise.all(Array.from({ length: 100 }, (_, n) => bus.publish("test.contract.a", { n })));
      expect(seen).toEqual(Array.from({ length: 100 }, (_, n) => n));
    });

    it("keeps order for every subscriber when a handler publishes to the same topic", async () => {
      const bus = await fresh();
      const first: number[] = [];
      const second: number[] = [];
      bus.subscribe("test.contract.a", (e) => {
        first.push(e.n);
        if (e.n === 1) void bus.publish("test.contract.a", { n: 2 });
      });
      bus.subscribe("test.contract.a", (e) => void second.push(e.n));
      await bus.publish("test.contract.a", { n: 1 });
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(first).toEqual([1, 2]);
      expect(second).toEqual([1, 2]);
    });
  });
}
