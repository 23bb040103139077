/**
 * The cost sensor end to end (issue 6 item 6, the seed's "cloud spend spikes $40k in 15 minutes"):
 * a cumulative `cost_usd` pushed without a probe, with counter resets inside the window, fires
 * `increase(cost_usd) > 40000 over 15m` with the growth counted from each reset, through the
 * real series store (running aggregates on arrival) and rule engine.
 */
import { describe, expect, it } from "vitest";
import { alertsOf, pushSamples, TOKENS_YAML, testScope, waitFor } from "./helpers.js";

const config = `server:
  data: ./data
${TOKENS_YAML}slos:
  - name: cloud-spend-spike
    when: "increase(cost_usd) > 40000 over 15m"
    severity: page
`;

describe("cost sensor", () => {
  const scope = testScope();

  it("increase(cost_usd) counts through counter resets and fires over $40k in 15 minutes", async () => {
    const running = await scope.start(config);
    const now = Date.now();
    const push = async (points: [minutesAgo: number, usd: number][]) => {
      const res = await pushSamples(
        running.url,
        points.map(([ago, value]) => ({
          metric: "cost_usd",
          labels: { account: "prod" },
          value,
          ts: now - ago * 60_000,
        })),
      );
      expect(res.status).toBe(202);
    };
    const current = async () => (await alertsOf(running.url, "cloud-spend-spike"))[0];
    // Evaluation on arrival runs just after the push is accepted: wait for the figure to move.
    const alert = (value: number) =>
      waitFor(async () => ((await current())?.value === value ? current() : null), `${value}`);

    await push([
      [12, 100_000],
      [10, 120_000],
    ]);
    expect(await alert(20_000)).toMatchObject({ state: "ok", value: 20_000, labels: { account: "prod" } });
    await push([[8, 15_000]]); // the exporter restarted: a drop is a reset, +15,000 from zero
    expect(await alert(35_000)).toMatchObject({ state: "ok", value: 35_000 });
    await push([[6, 30_000]]); // +15,000: 50,000 in the window although last − first = −70,000
    expect(await alert(50_000)).toMatchObject({ state: "firing", value: 50_000 });
    await push([
      [4, 2_000],
      [2, 2_500],
    ]); // another reset: +2,000, +500
    expect(await alert(52_500)).toMatchObject({ state: "firing", value: 52_500 });
  });
});
