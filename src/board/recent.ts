import type { LastResult } from "./status.js";

/** The last few results per probe, newest last: the board's tile and the evidence packet read them. */
export class RecentResults {
  private readonly byProbe = new Map<string, LastResult[]>();

  constructor(private readonly keep = 10) {}

  record(probe: string, result: LastResult): void {
    let list = this.byProbe.get(probe);
    if (!list) {
      list = [];
      this.byProbe.set(probe, list);
    }
    list.push(result);
    if (list.length > this.keep) list.shift();
  }

  last(probe: string): LastResult | undefined {
    return this.byProbe.get(probe)?.at(-1);
  }

  recent(probe: string): readonly LastResult[] {
    return this.byProbe.get(probe) ?? [];
  }

  forget(probe: string): void {
    this.byProbe.delete(probe);
  }
}
