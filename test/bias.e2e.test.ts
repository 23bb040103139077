/**
 * The bias sensor end to end (issue 6 "Must show", Bias): a decision stream over a real loopback
 * server where group B's selection rate falls to 70 % of group A's → the SLO
 * `min(disparate_impact) < 0.8 over 10m` fires through the normal pipeline (a real webhook
 * receiver is paged) and the incident's evidence packet carries the ratio. A restart on the same
 * data dir resumes the window from the stored per-minute counts.
 */
import { describe, expect, it } from "vitest";
import { alertsOf, api, read, TOKENS, TOKENS_YAML, testScope, waitFor } from "./helpers.js";
import { startReceiver } from "./servers.js";

interface ModelFigures {
  model: string;
  disparate_impact: number | null;
  demographic_parity_diff: number | null;
  baseline: string | null;
  lowest: string | null;
  four_fifths_flag: boolean | null;
  groups: { group: string; decisions: number; positives: number; selection_rate: number | null }[];
}
interface Incident {
  id: string;
  evidence: { packet: { bias?: { probe: string; window_ms: number; models: ModelFigures[] } } }[];
}

const config = (hook: string) => `server:
  data: ./data
${TOKENS_YAML}probes:
  - { name: loan-approvals, type: bias, window: 10m, min_decisions: 30, labels: { agency: HUD } }
slos:
  - name: loan-fairness
    probe: loan-approvals
    when: "min(disparate_impact) < 0.8 over 10m"
    severity: page
    siren: fairness
sirens:
  fairness: { notify: [hook] }
receivers:
  hook: { type: webhook, url: "${hook}" }
`;

/** `n` decisions of `group`, the first `positives` of them approvals, spread over the last minutes. */
function decisions(group: string, n: number, positives: number, now: number) {
  return Array.from({ length: n }, (_, i) => ({
    model: "loan-scorer-v3",
    group,
    outcome: i < positives ? 1 : 0,
    ts: now - 4 * 60_000 + i * 1000,
  }));
}

describe("bias sensor", () => {
  const scope = testScope();

  it("B selected at 70 % of A's rate → the four-fifths SLO fires, the ratio is in the evidence, and survives a restart", async () => {
    const hook = await startReceiver();
    scope.track(hook);
    const dir = await scope.tempDir();
    const running = await scope.start(config(`${hook.url}/hook`), { dir });
    const push = (body: unknown) =>
      api(running.url, "/api/v1/decisions", { method: "POST", token: TOKENS.sensor, body });
    const alertState = async () => (await alertsOf(running.url, "loan-fairness"))[0];

    // Both groups approved at 60 %: parity, the SLO holds.
    const now = Date.now();
    expect(
      await push({ decisions: [...decisions("A", 50, 30, now), ...decisions("B", 50, 30, now)] }),
    ).toMatchObject({ status: 202, body: { accepted: 100 } });
    expect(await waitFor(alertState, "the alert evaluated")).toMatchObject({ state: "ok", value: 1 });
    expect(hook.received).toHaveLength(0);
    const tile = async () =>
      (
        await read<{ probes: { name: string; state: string; last: { value?: number } | null }[] }>(
          running.url,
          "/api/v1/status",
        )
      ).probes[0];
    expect(await tile()).toMatchObject({ name: "loan-approvals", state: "green", last: { value: 1 } });

    // B's approvals fall: over the window A 60/100 = 0.6, B 42/100 = 0.42 → 0.42 / 0.6 = 0.7.
    const later = Date.now();
    expect(
      await push({ decisions: [...decisions("A", 50, 30, later), ...decisions("B", 50, 12, later)] }),
    ).toMatchObject({ status: 202 });
    await waitFor(() => hook.received.length === 1, "the page");
    expect(await tile()).toMatchObject({ state: "red", last: { value: 0.7 } });
    expect(hook.received[0]?.body).toMatchObject({
      status: "firing",
      slo: "loan-fairness",
      severity: "page",
      value: 0.7,
      labels: { probe: "loan-approvals", model: "loan-scorer-v3", agency: "HUD" },
    });

    const list = await api(running.url, "/api/v1/incidents?state=active", { token: TOKENS.reader });
    const [summary] = (list.body as { incidents: Incident[] }).incidents;
    const detail = await api(running.url, `/api/v1/incidents/${summary?.id}`, { token: TOKENS.reader });
    const bias = (detail.body as Incident).evidence[0]?.packet.bias;
    expect(bias).toMatchObject({ probe: "loan-approvals", window_ms: 600_000 });
    expect(bias?.models).toEqual([
      {
        model: "loan-scorer-v3",
        disparate_impact: 0.7,
        demographic_parity_diff: 0.18,
        baseline: "A",
        lowest: "B",
        four_fifths_flag: true,
        groups: [
          { group: "A", decisions: 100, positives: 60, selection_rate: 0.6 },
          { group: "B", decisions: 100, positives: 42, selection_rate: 0.42 },
        ],
      },
    ]);

    // Only counts were stored, and they bring the window back after a restart.
    const rows = await running.app.store.all<{ decisions: number }>("SELECT decisions FROM bias_counts");
    expect(rows.reduce((n, r) => n + Number(r.decisions), 0)).toBe(200);
    await running.app.close();
    const restarted = await scope.start(config(`${hook.url}/hook`), { dir });
    const figures = await waitFor(
      () => restarted.app.detection.bias.report("loan-approvals")?.models[0],
      "the stored counts reloaded",
    );
    expect(figures).toMatchObject({ disparate_impact: 0.7, lowest: "B" });
  });
});
