import { describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.js";
import { DeadlineQueue } from "./deadlines.js";

function queue(clock = new FakeClock(0)) {
  const fired: string[] = [];
  const q = new DeadlineQueue<string>(clock, (due, now) => {
    for (const d of due) fired.push(`${d.key}@${d.at}/${now}`);
  });
  return { clock, q, fired };
}

describe("DeadlineQueue", () => {
  it("fires each key exactly at its deadline, earliest first, on one clock timer", () => {
    const { clock, q, fired } = queue();
    for (let i = 10_000; i > 0; i--) q.set(`k${i}`, i * 10);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(30);
    expect(fired).toEqual(["k1@10/10", "k2@20/20", "k3@30/30"]);
    expect(q.size).toBe(9_997);
    expect(clock.pendingTimers()).toBe(1);
  });

  it("moves and clears deadlines without firing the stale ones", () => {
    const { clock, q, fired } = queue();
    q.set("a", 100);
    q.set("b", 50);
    q.set("a", 20); // earlier: re-arms
    q.set("b", null);
    q.set("c", 70);
    q.set("c", 200); // later: the old heap entry is stale
    clock.advance(1000);
    expect(fired).toEqual(["a@20/20", "c@200/200"]);
    expect(q.size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("hands over every key due at the same moment in one call", () => {
    const clock = new FakeClock(0);
    const calls: string[][] = [];
    const q = new DeadlineQueue<string>(clock, (due) => calls.push(due.map((d) => d.key)));
    q.set("x", 5);
    q.set("y", 5);
    q.set("z", 6);
    clock.advance(10);
    expect(calls).toEqual([["x", "y"], ["z"]]);
  });

  it("a deadline in the past is due at once; stop() silences, resume() re-arms", () => {
    const { clock, q, fired } = queue(new FakeClock(100));
    q.stop();
    q.set("late", 40);
    clock.advance(10);
    expect(fired).toEqual([]);
    q.resume();
    clock.advance(0);
    expect(fired).toEqual(["late@40/110"]);
  });

  it("stays bounded when deadlines move often", () => {
    const { clock, q, fired } = queue();
    for (let i = 0; i < 50_000; i++) q.set("k", 1_000_000 - i);
    expect((q as unknown as { heap: unknown[] }).heap.length).toBeLessThan(2_000);
    clock.advance(1_000_000);
    expect(fired).toEqual([`k@${1_000_000 - 49_999}/${1_000_000 - 49_999}`]);
  });
});
