/**
 * Incidents end to end (issue 4 "Incidents" and "Compliance siren" counts): a pushed breach opens
 * an incident with its evidence packet and timeline; humans acknowledge, annotate and resolve it
 * over the API, each audited with the token's name; bad requests get clear 4xx errors.
 */
import { describe, expect, it } from "vitest";
import { api, pushSamples, TOKENS, TOKENS_YAML, testScope, waitFor } from "./helpers.js";
import { startReceiver } from "./servers.js";

interface IncidentBody {
  id: string;
  state: string;
  url: string;
  acknowledgedBy: string | null;
  resolvedBy: string | null;
  evidence: {
    packet: { samples: { metric: string; points: [number, number][] }[]; slo: { name: string } };
  }[];
  timeline: { type: string; actor: string | null; data: Record<string, unknown> }[];
}

describe("incidents over the API", () => {
  const scope = testScope();

  it("opens with evidence, then ack, note and resolve by hand, each on the timeline and in the audit", async () => {
    const hook = await startReceiver();
    scope.track(hook);
    const running = await scope.start(`server:
  data: ./data
  url: http://ops.example
${TOKENS_YAML}probes:
  - { name: queue, type: push, labels: { agency: SSA } }
slos:
  - { name: wait, probe: queue, when: "value > 60", severity: legal, siren: compliance,
      legal: { sla: "Answer calls in under 60 seconds", statute: "42 U.S.C. 1320" } }
sirens:
  compliance: { notify: [hook], repeat: 1h }
receivers:
  hook: { type: webhook, url: "${hook.url}" }
`);
    const now = Date.now();
    const push = await pushSamples(running.url, [
      { probe: "queue", value: 30, ts: now - 1000 },
      { probe: "queue", value: 95, ts: now },
    ]);
    expect(push.status).toBe(202);
    await waitFor(() => hook.received.length === 1, "the page");

    const list = await api(running.url, "/api/v1/incidents?state=active", { token: TOKENS.reader });
    const [summary] = (list.body as { incidents: IncidentBody[] }).incidents;
    expect(summary).toMatchObject({
      state: "open",
      url: expect.stringMatching(/^http:\/\/ops\.example\/incidents\/INC-/),
    });
    const id = summary?.id ?? "";
    expect(hook.received[0]?.body).toMatchObject({ incident: { id } });

    const detail = async () =>
      (await api(running.url, `/api/v1/incidents/${id}`, { token: TOKENS.reader })).body as IncidentBody;
    const opened = await waitFor(async () => {
      const d = await detail();
      return d.timeline.some((e) => e.type === "notification.delivered") ? d : undefined;
    }, "the delivery on the timeline");
    const packet = opened.evidence[0]?.packet;
    expect(packet?.slo).toMatchObject({ name: "wait" });
    expect(packet?.samples[0]?.points.map((p) => p[1])).toEqual([30, 95]);
    expect(opened.timeline.map((e) => e.type).slice(0, 2)).toEqual(["incident.opened", "alert.firing"]);

    const ack = await api(running.url, `/api/v1/incidents/${id}/ack`, {
      method: "POST",
      token: TOKENS.operator,
      body: { comment: "on it" },
    });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ state: "acknowledged", acknowledgedBy: "operator" });
    const again = await api(running.url, `/api/v1/incidents/${id}/ack`, {
      method: "POST",
      token: TOKENS.operator,
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      error: { code: "conflict", message: expect.stringContaining("operator") },
    });
    await waitFor(
      () => hook.received.some((r) => (r.body as { acknowledged?: unknown }).acknowledged),
      "the ack",
    );

    const note = await api(running.url, `/api/v1/incidents/${id}/notes`, {
      method: "POST",
      token: TOKENS.operator,
      body: { text: "queue drained by hand" },
    });
    expect(note.status).toBe(201);
    const resolved = await api(running.url, `/api/v1/incidents/${id}/resolve`, {
      method: "POST",
      token: TOKENS.admin,
    });
    expect(resolved.body).toMatchObject({ state: "resolved", resolvedBy: "admin" });
    await waitFor(() => hook.received.some((r) => r.body.status === "resolved"), "the resolve");

    const after = await detail();
    expect(after.timeline.filter((e) => e.actor).map((e) => [e.type, e.actor])).toEqual([
      ["incident.acknowledged", "operator"],
      ["note", "operator"],
      ["note", "operator"],
      ["incident.resolved", "admin"],
    ]);
    const audit = await api(running.url, "/api/v1/audit?action=incident.acknowledge", {
      token: TOKENS.reader,
    });
    expect((audit.body as { entries: { actor: string; subject: string }[] }).entries).toEqual([
      expect.objectContaining({ actor: "operator", subject: `incident:${id}` }),
    ]);
    const verify = await api(running.url, "/api/v1/audit/verify", { token: TOKENS.reader });
    expect(verify.body).toMatchObject({ ok: true });

    const violations = await api(running.url, "/api/v1/violations?period=day", { token: TOKENS.reader });
    expect(violations.body).toMatchObject({
      counts: [{ slo: "wait", period: new Date(now).toISOString().slice(0, 10), count: 1 }],
      violations: [{ slo: "wait", incidentId: id }],
    });
  });

  it("answers bad requests with clear 4xx errors", async () => {
    const { url } = await scope.start(`server:\n  data: ./data\n${TOKENS_YAML}`);
    const post = (path: string, body?: unknown) =>
      api(url, path, { method: "POST", token: TOKENS.operator, body });
    const unknown = await post("/api/v1/incidents/INC-NOPE00/ack");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: "not_found", message: 'no incident "INC-NOPE00"' } });
    expect((await api(url, "/api/v1/incidents/INC-NOPE00", { token: TOKENS.reader })).status).toBe(404);
    const noText = await post("/api/v1/incidents/INC-NOPE00/notes", { text: "" });
    expect(noText.status).toBe(400);
    expect(noText.body).toMatchObject({ error: { code: "validation_failed", details: [{ path: "text" }] } });
    const extra = await post("/api/v1/incidents/INC-NOPE00/ack", { comment: "x", sudo: true });
    expect(extra.status).toBe(400);
    expect((await post("/api/v1/incidents/INC-NOPE00/ack", [1])).status).toBe(400);
    const badState = await api(url, "/api/v1/incidents?state=closed", { token: TOKENS.reader });
    expect(badState.status).toBe(400);
    expect(badState.body).toMatchObject({ error: { details: [{ path: "state" }] } });
  });
});
