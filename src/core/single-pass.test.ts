import { describe, expect, it } from "vitest";
import { SinglePass } from "./single-pass.js";

describe("SinglePass", () => {
  it("runs one pass at a time and exactly one more for any requests made during it", async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const gates: (() => void)[] = [];
    const pass = new SinglePass(
      async () => {
        runs++;
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((resolve) => gates.push(resolve));
        active--;
      },
      { onError: () => {} },
    );
    pass.request();
    pass.request();
    pass.request();
    expect(runs).toBe(1);
    gates.shift()?.();
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    expect(runs).toBe(2);
    gates.shift()?.();
    await pass.running;
    while (pass.running) await pass.running;
    expect([runs, maxActive]).toEqual([2, 1]);
  });

  it("reports a failed pass, never rejects, and ignores requests while disabled", async () => {
    const errors: unknown[] = [];
    let on = true;
    let runs = 0;
    const pass = new SinglePass(
      async () => {
        runs++;
        throw new Error("store down");
      },
      { onError: (e) => errors.push(e), enabled: () => on },
    );
    pass.request();
    await pass.running;
    expect(errors).toHaveLength(1);
    on = false;
    pass.request();
    expect(pass.running).toBeUndefined();
    expect(runs).toBe(1);
  });
});
