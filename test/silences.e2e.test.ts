/**
 * Silences and maintenance windows end to end (issue 4 item 5), over a real loopback server:
 * silences are created, listed, expired (never deleted) and audited with the token's name; bad
 * input gets clear 4xx errors; a window or a silence holds a page back while the alert still fires
 * in the API and the audit says what was suppressed; expiring the silence sends the page.
 */
import { describe, expect, it } from "vitest";
import { api, pushSamples, type Running, TOKENS, TOKENS_YAML, testScope, waitFor } from "./helpers.js";
import { startReceiver } from "./servers.js";

interface SilenceBody {
  id: string;
  state: string;
  matchers: Record<string, string>;
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string;
  expiredAt: string | null;
  expiredBy: string | null;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

const BASE = `server:\n  data: ./data\n${TOKENS_YAML}`;
const post = (srv: Running, body: unknown, token: string = TOKENS.operator) =>
  api(srv.url, "/api/v1/silences", { method: "POST", token, body });

describe("silences API", () => {
  const scope = testScope();

  it("creates with the token's name, lists by state, expires (never deletes) and audits both", async () => {
    const srv = await scope.start(BASE);
    const created = await post(srv, {
      matchers: { slo: "irs-login-latency" },
      duration: "2h",
      comment: "deploy",
    });
    expect(created.status).toBe(201);
    const s = created.body as SilenceBody;
    expect(s).toMatchObject({
      id: expect.stringMatching(/^SIL-[0-9A-Z]{8}$/),
      state: "active",
      matchers: { slo: "irs-login-latency" },
      comment: "deploy",
      createdBy: "operator",
      expiredAt: null,
    });
    expect(Date.parse(s.endsAt) - Date.parse(s.startsAt)).toBe(2 * 3_600_000);

    const later = new Date(Date.now() + 86_400_000).toISOString();
    const pending = await post(srv, {
      matchers: { agency: "IRS" },
      startsAt: later,
      endsAt: new Date(Date.parse(later) + 3_600_000).toISOString(),
      comment: "planned",
    });
    expect(pending.body).toMatchObject({ state: "pending", startsAt: later });

    const ids = async (q: string) =>
      (
        (await api(srv.url, `/api/v1/silences${q}`, { token: TOKENS.reader })).body as {
          silences: SilenceBody[];
        }
      ).silences.map((x) => x.id);
    const p = (pending.body as SilenceBody).id;
    expect(await ids("")).toEqual([p, s.id]);
    expect(await ids("?state=active")).toEqual([s.id]);
    expect(await ids("?state=pending")).toEqual([p]);

    const expired = await api(srv.url, `/api/v1/silences/${s.id}`, { method: "DELETE", token: TOKENS.admin });
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ id: s.id, state: "expired", expiredBy: "admin", comment: "deploy" });
    expect(await ids("?state=expired")).toEqual([s.id]);
    expect(await ids("")).toHaveLength(2); // still there
    const again = await api(srv.url, `/api/v1/silences/${s.id}`, {
      method: "DELETE",
      token: TOKENS.operator,
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "conflict", message: /already expired.*by admin/ } });

    const audit = await api(srv.url, "/api/v1/audit?limit=1000", { token: TOKENS.reader });
    const entries = (audit.body as { entries: { actor: string; action: string; subject: string }[] }).entries;
    expect(entries.filter((e) => e.action.startsWith("silence."))).toEqual([
      expect.objectContaining({ actor: "operator", action: "silence.create", subject: `silence:${s.id}` }),
      expect.objectContaining({ actor: "operator", action: "silence.create", subject: `silence:${p}` }),
      expect.objectContaining({ actor: "admin", action: "silence.expire", subject: `silence:${s.id}` }),
    ]);
  });

  it("refuses bad input with 4xx errors that name the field", async () => {
    const srv = await scope.start(BASE);
    const now = Date.now();
    const bad = async (body: unknown) => {
      const res = await post(srv, body);
      expect(res.status).toBe(400);
      const { error } = res.body as ErrorBody;
      expect(error.code).toBe("validation_failed");
      return (error.details ?? []).map((d) => `${d.path}: ${d.message}`).join("\n");
    };
    const ok = { matchers: { agency: "IRS" }, comment: "x" };
    expect(
      await bad({
        ...ok,
        startsAt: new Date(now + 7_200_000).toISOString(),
        endsAt: new Date(now + 3_600_000).toISOString(),
      }),
    ).toMatch(/^endsAt: `endsAt` must be after `startsAt`/);
    expect(await bad({ ...ok, matchers: {}, duration: "1h" })).toMatch(/^matchers: at least one matcher/);
    expect(await bad({ ...ok, duration: "1h", owner: "me" })).toMatch(/unrecognized key.*owner|owner/i);
    expect(await bad({ matchers: { agency: "IRS" }, duration: "1h" })).toMatch(
      /^comment: a comment is required/,
    );
    expect(await bad({ ...ok, comment: "   ", duration: "1h" })).toMatch(/^comment: a comment is required/);
    expect(await bad({ ...ok })).toMatch(/^endsAt: set `endsAt` or `duration`/);
    expect(await bad({ ...ok, duration: "soon" })).toMatch(/^duration: invalid duration "soon"/);
    expect(await bad({ ...ok, endsAt: "tomorrow" })).toMatch(/^endsAt: invalid time "tomorrow"/);
    expect(await bad({ ...ok, endsAt: new Date(now - 1000).toISOString() })).toMatch(
      /^endsAt: the silence would end at/,
    );
    expect(await bad({ ...ok, duration: "1h", matchers: { "bad-name": "x" } })).toMatch(
      /invalid matcher name "bad-name"/,
    );

    const missing = await api(srv.url, "/api/v1/silences/SIL-NOPE0000", {
      method: "DELETE",
      token: TOKENS.operator,
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      error: { code: "not_found", message: 'no silence with id "SIL-NOPE0000"' },
    });
    expect((await api(srv.url, "/api/v1/silences/SIL-NOPE0000", { token: TOKENS.reader })).status).toBe(404);
    const state = await api(srv.url, "/api/v1/silences?state=over", { token: TOKENS.reader });
    expect(state.status).toBe(400);
    expect(await api(srv.url, "/api/v1/silences", { token: TOKENS.reader })).toMatchObject({
      body: { silences: [] },
    });
  });

  it("keeps silences across a restart", async () => {
    const dir = await scope.tempDir();
    const first = await scope.start(BASE, { dir });
    const s = (await post(first, { matchers: { agency: "IRS" }, duration: "1h", comment: "keep" }))
      .body as SilenceBody;
    await first.app.close();
    const again = await scope.start(BASE, { dir });
    const got = await api(again.url, `/api/v1/silences/${s.id}`, { token: TOKENS.reader });
    expect(got.body).toMatchObject({ id: s.id, state: "active", comment: "keep", createdBy: "operator" });
  });
});

describe("muting end to end", () => {
  const scope = testScope();

  const yaml = (hookUrl: string, maintenance = "") => `${BASE}probes:
  - { name: queue, type: push, labels: { agency: IRS } }
slos:
  - { name: wait, probe: queue, when: "value > 60", severity: page, siren: oncall }
sirens:
  oncall: { notify: [hook] }
receivers:
  hook: { type: webhook, url: "${hookUrl}" }
${maintenance}`;

  const breach = (s: Running) => pushSamples(s.url, [{ probe: "queue", value: 95 }]);
  const suppressed = async (s: Running) =>
    (
      (await api(s.url, "/api/v1/audit?action=notification.suppressed", { token: TOKENS.reader })).body as {
        entries: {
          actor: string;
          subject: string;
          data: { slo: string; mute: { kind: string; name: string } };
        }[];
      }
    ).entries;

  it("inside a maintenance window: the alert fires in the API, no page leaves, the audit says what was suppressed", async () => {
    const hook = await startReceiver();
    scope.track(hook);
    const start = new Date(Date.now() - 60_000).toISOString();
    const end = new Date(Date.now() + 3_600_000).toISOString();
    const running = await scope.start(
      yaml(
        hook.url,
        `maintenance:\n  - { name: irs-patching, start: "${start}", end: "${end}", match: { agency: IRS } }\n`,
      ),
    );
    expect((await breach(running)).status).toBe(202);
    const [entry] = await waitFor(async () => {
      const e = await suppressed(running);
      return e.length > 0 ? e : undefined;
    }, "the suppression in the audit");
    expect(entry).toMatchObject({
      actor: "hms-ops",
      subject: expect.stringMatching(/^incident:INC-/),
      data: { slo: "wait", mute: { kind: "maintenance", name: "irs-patching" } },
    });
    const alerts = (await api(running.url, "/api/v1/alerts", { token: TOKENS.reader })).body as {
      alerts: { slo: string; state: string }[];
    };
    expect(alerts.alerts).toEqual([expect.objectContaining({ slo: "wait", state: "firing" })]);
    // The decision and the (absent) outbox rows commit together, so nothing can still be on its way.
    expect(hook.received).toHaveLength(0);
    const incidents = (await api(running.url, "/api/v1/incidents", { token: TOKENS.reader })).body as {
      incidents: { id: string; state: string }[];
    };
    expect(incidents.incidents).toEqual([expect.objectContaining({ state: "open" })]);
    expect(entry?.subject).toBe(`incident:${incidents.incidents[0]?.id}`);
  });

  it("a silence holds the page; expiring it sends the page at once", async () => {
    const hook = await startReceiver();
    scope.track(hook);
    const running = await scope.start(yaml(hook.url));
    const s = (
      await post(running, { matchers: { slo: "wait" }, duration: "8h", comment: "noisy during migration" })
    ).body as SilenceBody;
    await breach(running);
    const [entry] = await waitFor(async () => {
      const e = await suppressed(running);
      return e.length > 0 ? e : undefined;
    }, "the suppression in the audit");
    expect(entry?.data.mute).toMatchObject({ kind: "silence", name: s.id });
    expect(hook.received).toHaveLength(0);

    await api(running.url, `/api/v1/silences/${s.id}`, { method: "DELETE", token: TOKENS.operator });
    await waitFor(() => hook.received.length === 1, "the page after the silence expired");
    expect(hook.received[0]?.body).toMatchObject({ status: "firing", slo: "wait" });
  });
});
