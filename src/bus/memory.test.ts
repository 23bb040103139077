import { describe, expect, it } from "vitest";
import { busContract } from "./bus.case.js";
import { MemoryBus } from "./memory.js";

declare module "./index.js" {
  interface BusTopics {
    "test.memory": { n: number };
  }
}

busContract("memory", async () => new MemoryBus());

describe("MemoryBus", () => {
  it("reports throwing and rejecting handlers to onError with their topic", async () => {
    const errors: [string, string][] = [];
    const bus = new MemoryBus({ onError: (err, topic) => errors.push([(err as Error).message, topic]) });
    bus.subscribe("test.memory", () => {
      throw new Error("sync");
    });
    bus.subscribe("test.memory", () => Promise.reject(new Error("async")));
    await bus.publish("test.memory", { n: 1 });
    expect(errors).toEqual([
      ["sync", "test.memory"],
      ["async", "test.memory"],
    ]);
  });

  it("survives an onError callback that throws", async () => {
    const bus = new MemoryBus({
      onError: () => {
        throw new Error("reporter broke");
      },
    });
    const seen: number[] = [];
    bus.subscribe("test.memory", () => {
      throw new Error("handler broke");
    });
    bus.subscribe("test.memory", (e) => void seen.push(e.n));
    await bus.publish("test.memory", { n: 1 });
    expect(seen).toEqual([1]);
  });

  it("close waits for running handlers and drops later events", async () => {
    const bus = new MemoryBus();
    const seen: number[] = [];
    bus.subscribe("test.memory", async (e) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      seen.push(e.n);
    });
    void bus.publish("test.memory", { n: 1 });
    await bus.close();
    expect(seen).toEqual([1]);
    await bus.publish("test.memory", { n: 2 });
    expect(seen).toEqual([1]);
  });
});
