import path from "node:path";
import { describe, expect, it } from "vitest";
import { REDACTED } from "../core/redact.js";
import { diffConfig } from "./diff.js";
import { TEST_ENV, TESTDATA } from "./fixtures.case.js";
import { loadConfig, loadConfigText } from "./load.js";
import type { OpsConfig } from "./types.js";

const full = async (env = TEST_ENV) =>
  (await loadConfig(path.join(TESTDATA, "good/full.yml"), { env })).config;

/** A mutable deep copy to edit. */
const copy = (c: OpsConfig): OpsConfig => structuredClone(c) as OpsConfig;

describe("diffConfig", () => {
  it("finds nothing between two loads of the same file", async () => {
    expect(diffConfig(await full(), await full())).toEqual([]);
  });

  it("diffs probes by name, not by position", async () => {
    const prev = await full();
    const next = copy(prev);
    next.probes.reverse();
    expect(diffConfig(prev, next)).toEqual([]);
    const first = next.probes.find((p) => p.name === "irs-login")!;
    first.interval = 60_000;
    next.probes.unshift({ type: "push", name: "new-probe", labels: {}, interval: 30_000, timeout: 10_000 });
    next.probes = next.probes.filter((p) => p.name !== "login-db");
    expect(diffConfig(prev, next)).toEqual([
      { path: "probes[irs-login].interval", op: "changed", from: 30_000, to: 60_000 },
      { path: "probes[login-db]", op: "removed", from: expect.objectContaining({ type: "tcp" }) },
      { path: "probes[new-probe]", op: "added", to: expect.objectContaining({ type: "push" }) },
    ]);
  });

  it("reports a changed token secret as changed, without either value", async () => {
    const prev = await full();
    const next = await full({ ...TEST_ENV, HMS_OPS_TOKEN: "another-admin-token-42" });
    const changes = diffConfig(prev, next);
    expect(changes).toEqual([
      { path: "server.auth.tokens[admin].secret", op: "changed", from: REDACTED, to: REDACTED },
    ]);
    expect(JSON.stringify(changes)).not.toContain("admin-token");
  });

  it("redacts secrets inside added or changed objects", async () => {
    const prev = await full();
    const next = copy(prev);
    next.receivers.pager = {
      type: "pagerduty",
      url: "https://events.example/v2/enqueue",
      routing_key: "rk-new",
    };
    next.receivers.mail = {
      type: "email",
      smtp: "smtps://ops:hunter2@mail.example.gov",
      from: "ops@example.gov",
      to: ["a@example.gov"],
    };
    next.runbooks.restart = {
      steps: [{ run: "systemctl restart x", env: { DB_PASSWORD: "pw-value", MODE: "fast" } }],
      cooldown: 0,
      timeout: 1_000,
      approval: false,
      dry_run: false,
      circuit_breaker: 3,
      env: { API_TOKEN: "tok-value" },
    };
    const text = JSON.stringify(diffConfig(prev, next));
    for (const secret of ["rk-new", "pd-routing-key", "hunter2", "pw-value", "tok-value"]) {
      expect(text).not.toContain(secret);
    }
    expect(diffConfig(prev, next)).toEqual(
      expect.arrayContaining([
        { path: "receivers.pager.routing_key", op: "changed", from: REDACTED, to: REDACTED },
        expect.objectContaining({ path: "runbooks.restart", op: "added" }),
      ]),
    );
    expect(text).toContain('"MODE":"fast"');
  });

  it("treats other lists as values", async () => {
    const prev = (
      await loadConfigText(
        "sirens: { s: { notify: [a] } }\nreceivers: { a: { type: slack, url: 'https://x.example' }, b: { type: slack, url: 'https://y.example' } }",
        "ops.yml",
        { env: {} },
      )
    ).config;
    const next = copy(prev);
    next.sirens.s!.notify = ["a", "b"];
    expect(diffConfig(prev, next)).toEqual([
      { path: "sirens.s.notify", op: "changed", from: ["a"], to: ["a", "b"] },
    ]);
  });

  it("sees added and removed optional fields and sections", async () => {
    const prev = await full();
    const next = copy(prev);
    delete next.policy;
    next.server.url = "https://ops.example.gov";
    expect(diffConfig(prev, next)).toEqual([
      { path: "server.url", op: "changed", from: "http://ops.agency.example", to: "https://ops.example.gov" },
      { path: "policy", op: "removed", from: prev.policy },
    ]);
  });
});
