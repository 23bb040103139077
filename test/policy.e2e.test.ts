/**
 * Policy pack watcher end to end (issue 6 item 1): a real HTTP policy source, the whole app on a
 * loopback port with a fake clock (time moves only when the test says; fetches and HTTP are real).
 * A changed pack → drift alert, audit entry, note on the open incident, "changed N minutes before
 * this breach"; a source that is down or answers garbage → `policy_source_down`, never drift; a
 * change made while HMS-OPS was down → recorded once at the next start.
 */
import { describe, expect, it } from "vitest";
import type { App } from "../src/app/index.js";
import { FakeClock } from "../src/core/clock.js";
import {
  api,
  closeOnce,
  incidentOf,
  pushSamples,
  read,
  startApp,
  TOKENS,
  TOKENS_YAML,
  testScope,
  waitFor,
} from "./helpers.js";
import { startPolicy, startReceiver } from "./servers.js";

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const INTERVAL = 30_000;

interface Alert {
  slo: string;
  state: string;
}
interface PolicyView {
  id: string | null;
  approved: string | null;
  drift: boolean;
  up: boolean | null;
  error: string | null;
  source: string;
  history: { at: string; from: string | null; to: string; fromDigest: string | null; toDigest: string }[];
  next: number | null;
}

describe("policy pack watcher", () => {
  const scope = testScope();

  async function boot(
    dir: string,
    policyUrl: string,
    clock: FakeClock,
    hookUrl = "http://127.0.0.1:9/unused",
  ) {
    const { app, url } = await startApp(
      `server:
  data: ./data
${TOKENS_YAML}policy:
  source: ${policyUrl}/policy/version
  interval: 30s
  approved: pack-1
  drift: { severity: page, siren: oncall }
sirens:
  oncall: { notify: [hook] }
receivers:
  hook: { type: webhook, url: "${hookUrl}" }
probes:
  - { name: benefits-api, type: push }
slos:
  - { name: benefits-errors, probe: benefits-api, when: "value > 10", severity: page }
`,
      { dir, clock },
    );
    const close = closeOnce(app);
    scope.track({ close });
    return { app, url, close, ...helpers(app, url, clock) };
  }

  /** A policy source serving pack-1, a fresh data dir, and a fake clock at T0. */
  async function world() {
    const source = await startPolicy("pack-1");
    scope.track(source);
    return { source, dir: await scope.tempDir(), clock: new FakeClock(T0) };
  }

  function helpers(app: App, url: string, clock: FakeClock) {
    const get = <T>(path: string) => read<T>(url, path);
    return {
      /** Moves the fake clock; waits for the policy fetch it started to be recorded and sampled. */
      async tick(ms: number) {
        clock.advance(ms);
        await app.detection.policy.watcher.settled();
      },
      policy: () => get<PolicyView>("/api/v1/policy"),
      alertOf: async (slo: string) =>
        (await get<{ alerts: Alert[] }>("/api/v1/alerts")).alerts.find((a) => a.slo === slo),
      waitAlert(slo: string, state: string) {
        return waitFor(async () => (await this.alertOf(slo))?.state === state, `${slo} ${state}`);
      },
      get,
    };
  }

  it("a changed pack: drift alert, audit entry, note on the open incident, changed N minutes before the breach", async () => {
    const { source, dir, clock } = await world();
    const hook = await startReceiver();
    scope.track(hook);
    const s = await boot(dir, source.url, clock, `${hook.url}/hook`);

    await s.tick(0);
    const first = await s.policy();
    expect(first).toMatchObject({ id: "pack-1", approved: "pack-1", drift: false, up: true, error: null });
    expect(first.history.map((h) => [h.from, h.to])).toEqual([[null, "pack-1"]]);

    // An unrelated breach opens an incident before the pack changes.
    const push = await pushSamples(s.url, [{ probe: "benefits-api", value: 42 }]);
    expect(push.status).toBe(202);
    const open = await waitFor(
      () => incidentOf(s.url, "benefits-errors", "active"),
      "the benefits-errors incident",
    );

    await s.tick(17 * 60_000);
    source.id = "pack-2";
    await s.tick(INTERVAL);
    await s.waitAlert("policy_drift", "firing");
    expect(await s.alertOf("policy_source_down")).toMatchObject({ state: "ok" });

    const now = await s.policy();
    expect(now).toMatchObject({ id: "pack-2", approved: "pack-1", drift: true, up: true });
    expect(now.history.map((h) => [h.from, h.to])).toEqual([
      ["pack-1", "pack-2"],
      [null, "pack-1"],
    ]);
    expect(now.history[0]?.fromDigest).toBe(now.history[1]?.toDigest);

    const audit = (
      await s.get<{ entries: { actor: string; data: { from: string; to: string } }[] }>(
        "/api/v1/audit?action=policy.changed",
      )
    ).entries;
    expect(audit.map((e) => [e.actor, e.data.from, e.data.to])).toEqual([
      ["hms-ops", null, "pack-1"],
      ["hms-ops", "pack-1", "pack-2"],
    ]);

    const noted = await s.get<{ timeline: { type: string; data: { from: string; to: string } }[] }>(
      `/api/v1/incidents/${open.id}`,
    );
    expect(
      noted.timeline.filter((e) => e.type === "policy.changed").map((e) => [e.data.from, e.data.to]),
    ).toEqual([["pack-1", "pack-2"]]);

    // The drift incident: opened under the new pack, which changed 0 minutes before the breach.
    const drift = await waitFor(() => incidentOf(s.url, "policy_drift"), "the drift incident");
    expect(drift.policyId).toBe("pack-2");
    // The configured siren pages with the pack live at detection.
    const page = await waitFor(
      () => hook.received.find((r) => r.body.slo === "policy_drift"),
      "the drift page",
    );
    expect(page.body).toMatchObject({ status: "firing", severity: "page", policy: { id: "pack-2" } });
    const detail = await s.get<{ policyChangedBefore: unknown; evidence: { packet: { policy: unknown } }[] }>(
      `/api/v1/incidents/${drift.id}`,
    );
    expect(detail.policyChangedBefore).toEqual({ minutes: 0, from: "pack-1", to: "pack-2" });
    expect(detail.evidence[0]?.packet.policy).toMatchObject({
      id: "pack-2",
      approved: "pack-1",
      drift: true,
      lastChange: {
        changedAt: new Date(T0 + 17 * 60_000 + INTERVAL).toISOString(),
        from: "pack-1",
        to: "pack-2",
      },
    });
    // The incident opened before the change says nothing of the kind.
    expect(
      (await s.get<{ policyChangedBefore: unknown }>(`/api/v1/incidents/${open.id}`)).policyChangedBefore,
    ).toBeNull();

    // Back on the approved pack: the drift resolves.
    source.id = "pack-1";
    await s.tick(INTERVAL);
    await s.waitAlert("policy_drift", "ok");
  });

  it("a source that is down or answers garbage raises policy_source_down, never drift", async () => {
    const { source, dir, clock } = await world();
    const s = await boot(dir, source.url, clock);
    await s.tick(0);

    for (const bad of [
      { status: 503, body: "upstream maintenance", error: /HTTP 503/ },
      { status: 200, body: "<html>login</html>", error: /not JSON/ },
      { status: 200, body: '{"version":"pack-9"}', error: /no string "id"/ },
    ]) {
      source.status = bad.status;
      source.body = bad.body;
      await s.tick(INTERVAL);
      await s.waitAlert("policy_source_down", "pending");
      expect(await s.policy()).toMatchObject({
        id: "pack-1",
        drift: false,
        up: false,
        error: expect.stringMatching(bad.error),
      });
      await s.tick(INTERVAL);
      await s.tick(INTERVAL);
      await s.waitAlert("policy_source_down", "firing");
      expect(await s.alertOf("policy_drift")).toMatchObject({ state: "ok" });

      source.status = 200;
      source.body = null;
      await s.tick(INTERVAL);
      await s.waitAlert("policy_source_down", "ok");
    }
    const incidents = (await s.get<{ incidents: { slo: string }[] }>("/api/v1/incidents")).incidents;
    expect(new Set(incidents.map((i) => i.slo))).toEqual(new Set(["policy_source_down"]));
    expect((await s.policy()).history).toHaveLength(1);
  });

  it("a pack changed while HMS-OPS was down is recorded once at the next start", async () => {
    const { source, dir, clock } = await world();
    const first = await boot(dir, source.url, clock);
    await first.tick(0);
    await first.close();

    source.id = "pack-2";
    clock.advance(3_600_000);
    for (let run = 0; run < 2; run++) {
      const again = await boot(dir, source.url, clock);
      await again.tick(0);
      const view = await again.policy();
      expect(view.history.map((h) => [h.at, h.from, h.to])).toEqual([
        [new Date(T0 + 3_600_000).toISOString(), "pack-1", "pack-2"],
        [new Date(T0).toISOString(), null, "pack-1"],
      ]);
      const audited = await again.get<{ entries: unknown[] }>("/api/v1/audit?action=policy.changed");
      expect(audited.entries).toHaveLength(2);
      await again.close();
    }
  });

  it("pages the history with ?limit and ?before", async () => {
    const { source, dir, clock } = await world();
    const s = await boot(dir, source.url, clock);
    await s.tick(0);
    for (const id of ["pack-2", "pack-3", "pack-4"]) {
      source.id = id;
      await s.tick(INTERVAL);
    }
    const page1 = await s.get<PolicyView>("/api/v1/policy?limit=3");
    expect(page1.history.map((h) => h.to)).toEqual(["pack-4", "pack-3", "pack-2"]);
    const page2 = await s.get<PolicyView>(`/api/v1/policy?limit=3&before=${page1.next}`);
    expect(page2.history.map((h) => h.to)).toEqual(["pack-1"]);
    expect(page2.next).toBeNull();
    const bad = await api(s.url, "/api/v1/policy?limit=0", { token: TOKENS.reader });
    expect(bad.status).toBe(400);
  });
});
