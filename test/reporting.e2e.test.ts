/**
 * Incident reporting clocks end to end (issue 6 §4): a legal breach starts the deadlines, they
 * show on the incident, a missed initial notice raises the built-in `incident_reporting` alert,
 * filing the notice resolves it, and the machine-readable report carries deadlines and timeline.
 */
import { describe, expect, it } from "vitest";
import {
  alertsOf,
  api,
  incidentOf,
  pushSamples,
  TOKENS,
  TOKENS_YAML,
  testScope,
  waitFor,
} from "./helpers.js";

describe("incident reporting clocks", () => {
  const scope = testScope();

  it("raises an alert when the initial notice is late, clears it once filed, and reports it all", async () => {
    const { url } = await scope.start(`server:
  data: ./data
  incidents: { reporting: { initial: 1s } }
${TOKENS_YAML}probes:
  - { name: queue, type: push }
slos:
  - { name: wait, probe: queue, when: "value > 60", severity: legal, legal: { sla: "Answer in 60 s", statute: "42 U.S.C. 1320" } }
  - { name: depth, probe: queue, when: "value > 1000", severity: page }
`);
    await pushSamples(url, [{ probe: "queue", value: 90 }]);
    const id = await waitFor(async () => (await incidentOf(url, "wait"))?.id, "the legal incident");
    const detail = await api(url, `/api/v1/incidents/${id}`, { token: TOKENS.reader });
    expect((detail.body as { deadlines: unknown[] }).deadlines).toEqual([
      expect.objectContaining({ kind: "initial", status: expect.stringMatching(/pending|missed/) }),
    ]);

    const alerts = () => alertsOf(url, "incident_reporting");
    const fired = await waitFor(
      async () => (await alerts()).find((a) => a.state === "firing"),
      "the missed-deadline alert",
    );
    expect(fired.labels).toMatchObject({ incident: id, kind: "initial" });

    const filed = await api(url, `/api/v1/incidents/${id}/reports`, {
      method: "POST",
      token: TOKENS.operator,
      body: { kind: "initial", text: "Initial notice sent to the agency CIO and US-CERT." },
    });
    expect(filed.status).toBe(201);
    await waitFor(async () => (await alerts()).every((a) => a.state !== "firing"), "the alert to resolve");
    const final = await api(url, `/api/v1/incidents/${id}/reports`, {
      method: "POST",
      token: TOKENS.operator,
      body: { kind: "final", text: "too early" },
    });
    expect(final.status).toBe(409);

    const report = await api(url, `/api/v1/incidents/${id}/report`, { token: TOKENS.reader });
    expect(report.body).toMatchObject({
      format: "hms-ops.incident-report/v1",
      incident: { id, severity: "legal", state: "open" },
      agreement: { sla: "Answer in 60 s", statute: "42 U.S.C. 1320" },
      reportable: true,
      deadlines: [{ kind: "initial", status: "late" }],
      reports: [
        { kind: "initial", by: "operator", text: "Initial notice sent to the agency CIO and US-CERT." },
      ],
    });
    const types = (report.body as { timeline: { type: string }[] }).timeline.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["incident.opened", "alert.firing", "report.initial"]));

    await pushSamples(url, [{ probe: "queue", value: 5000 }]);
    const depth = await waitFor(async () => (await incidentOf(url, "depth"))?.id, "the non-legal incident");
    const plain = await api(url, `/api/v1/incidents/${depth}/report`, { token: TOKENS.reader });
    expect(plain.body).toMatchObject({ reportable: false, deadlines: [] });
  });
});
