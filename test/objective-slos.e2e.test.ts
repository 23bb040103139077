/**
 * Objective SLOs end to end (issue 6 item 2): results pushed over HTTP are judged per minute, the
 * budget and burn rates are served by `GET /api/v1/slos/:name/budget` with exact figures, the page
 * tier pages a real webhook receiver with `burn_tier`, the counts are stored as the
 * `slo_events_good` / `slo_events_total` series, and a restart on the same data dir counts every
 * minute once.
 */
import { describe, expect, it } from "vitest";
import { api, pushSamples, TOKENS, TOKENS_YAML, testScope, waitFor } from "./helpers.js";
import { startReceiver } from "./servers.js";

const MIN = 60_000;

const config = (hook: string) => `server:
  data: ./data
  eval_interval: 1s
${TOKENS_YAML}probes:
  - { name: checkout, type: push }
slos:
  - name: checkout-availability
    probe: checkout
    objective: 99%
    good: "ok == 1 and latency <= 250ms"
    period: 1d
    min_events: 10
    severity: page
    siren: oncall
sirens:
  oncall: { notify: [hook] }
receivers:
  hook: { type: webhook, url: "${hook}" }
`;

interface Budget {
  sli: number | null;
  good: number;
  total: number;
  bad: number;
  budgetRemaining: number;
  burnRates: Record<string, number | null>;
  tiers: { page: { state: string }; ticket: { state: string } };
  asOf: string | null;
}

describe("objective SLOs", () => {
  const scope = testScope();

  it("budget, burn rates and the page tier from pushed results; a restart counts each minute once", async () => {
    const hook = await startReceiver();
    scope.track(hook);
    const dir = await scope.tempDir();
    const first = await scope.start(config(`${hook.url}/hook`), { dir });

    // Results of the last 12 minutes, 6 a minute (ok + latency share a ts): clean, then half of
    // each minute's results bad (ok 0 or latency 300) over the 3 newest minutes.
    const now = Date.now();
    const u = Math.floor((now - 30_000) / MIN) * MIN; // the first minute not yet due
    const results: { ts: number; good: boolean }[] = [];
    for (let m = u - 11 * MIN; m <= u; m += MIN) {
      for (let k = 0; k < 6; k++) {
        const ts = m + k * 5_000;
        if (ts >= now) continue;
        results.push({ ts, good: !(m >= u - 2 * MIN && k % 2 === 0) });
      }
    }
    const samples = results.flatMap((r, i) => [
      { probe: "checkout", metric: "ok", value: r.good || i % 4 === 0 ? 1 : 0, ts: r.ts },
      { probe: "checkout", metric: "latency", value: r.good ? 120 : 300, ts: r.ts },
    ]);
    const pushed = await pushSamples(first.url, samples);
    expect(pushed.status).toBe(202);
    // These minutes predate the SLO's start: it judges raw history when it (re)starts.
    await first.app.close();
    const running = await scope.start(config(`${hook.url}/hook`), { dir });

    const budget = async () =>
      (await api(running.url, "/api/v1/slos/checkout-availability/budget", { token: TOKENS.reader }))
        .body as Budget;
    const b = await budget();
    const asOf = Date.parse(b.asOf ?? "");
    const counted = results.filter((r) => r.ts < asOf);
    const bad = counted.filter((r) => !r.good).length;
    expect(b).toMatchObject({ good: counted.length - bad, total: counted.length, bad });
    expect(bad).toBeGreaterThanOrEqual(6);
    // Exact figures from the counts: SLI to 9 places, budget to 6 significant digits.
    expect(b.sli).toBe(Number(((counted.length - bad) / counted.length).toFixed(9)));
    expect(b.budgetRemaining).toBe(Number((1 - (bad / counted.length) * 100).toPrecision(6)));
    expect(b.burnRates["5m"]).toBe(50); // the last minute judged: 3 bad of 6, against a 1 % budget

    // The page tier fires through the normal pipeline; the ticket tier is muted.
    await waitFor(() => hook.received.length >= 1, "the page");
    expect(hook.received[0]?.body).toMatchObject({
      status: "firing",
      slo: "checkout-availability",
      severity: "page",
      unit: "x",
      condition: "burn rate 14.4x over 2m and 1m, or 6x over 12m and 1m (page)",
      labels: { probe: "checkout", burn_tier: "page" },
    });
    expect((await budget()).tiers).toMatchObject({ page: { state: "firing" }, ticket: { state: "ok" } });
    const status = await api(running.url, "/api/v1/status", { token: TOKENS.reader });
    expect((status.body as { slos: unknown[] }).slos).toContainEqual(
      expect.objectContaining({ name: "checkout-availability", state: "firing", value: b.budgetRemaining }),
    );

    // The per-minute counts are series (the SLA report reads them).
    const series = await api(
      running.url,
      `/api/v1/series?metric=slo_events_total&from=${u - 12 * MIN}&to=${Date.now()}`,
      { token: TOKENS.reader },
    );
    const stored = (
      series.body as { series: { labels: Record<string, string>; points: { value: number }[] }[] }
    ).series;
    expect(stored.map((s) => s.labels)).toEqual([{ probe: "checkout", slo: "checkout-availability" }]);
    expect(stored[0]?.points.reduce((n, p) => n + p.value, 0)).toBe(counted.length);

    // A restart rebuilds the counts from those series: nothing lost, nothing counted twice.
    await running.app.close();
    const again = await scope.start(config(`${hook.url}/hook`), { dir });
    const after = (
      await api(again.url, "/api/v1/slos/checkout-availability/budget", { token: TOKENS.reader })
    ).body as Budget;
    const countedNow = results.filter((r) => r.ts < Date.parse(after.asOf ?? ""));
    expect(after).toMatchObject({ total: countedNow.length, bad: countedNow.filter((r) => !r.good).length });

    const missing = await api(again.url, "/api/v1/slos/nope/budget", { token: TOKENS.reader });
    expect(missing.status).toBe(404);
  });
});
