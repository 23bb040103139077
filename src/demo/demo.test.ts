import { describe, expect, it } from "vitest";
import { loadConfigText } from "../config/index.js";
import { demoConfig } from "./config.js";
import { createNarrator } from "./narrator.js";
import { subjectOf } from "./services/inbox.js";
import { timings } from "./timings.js";

const ADDRESSES = {
  ops: { host: "127.0.0.1", port: 8080 },
  queue: "http://127.0.0.1:9301",
  login: "http://127.0.0.1:9302",
  policy: "http://127.0.0.1:9303",
  pager: "http://127.0.0.1:9304",
  inbox: "smtp://127.0.0.1:2525",
};

describe("demo config", () => {
  it.each([false, true])("is a valid ops.yml (fast: %s), with --fast shortening its holds", async (fast) => {
    const { config } = await loadConfigText(demoConfig(ADDRESSES, timings(fast)), "ops.yml", { env: {} });
    const sla = config.slos.find((s) => s.name === "sla_wait_time");
    expect(sla).toMatchObject({ severity: "legal", siren: "compliance", runbook: "add-call-agents" });
    expect(sla?.when).toBe(
      fast ? "avg(value) > 60s over 5s for 3750ms" : "avg(value) > 60s over 20s for 15s",
    );
    expect(config.policy).toMatchObject({ approved: "pack-2026-11-01", drift: { siren: "oncall" } });
    expect(config.runbooks["add-login-cache-node"]?.steps[0]).toMatchObject({
      http: { url: "http://127.0.0.1:9302/scale" },
    });
  });
});

describe("counsel inbox", () => {
  it("decodes folded, RFC 2047 encoded subjects", () => {
    const raw =
      "From: a@b\r\nSubject: =?UTF-8?Q?[COMPLIANCE_SIREN]_sla=5Fwait=5Ftime_=E2=89=A4?=\r\n" +
      " =?UTF-8?B?IDYwIHM=?=\r\nTo: c@d\r\n\r\nSubject: not this one\r\n";
    expect(subjectOf(raw)).toBe("[COMPLIANCE SIREN] sla_wait_time ≤ 60 s");
    expect(subjectOf("To: c@d\r\n\r\nbody")).toBe("");
  });
});

describe("narrator", () => {
  const status = {
    board: "http://127.0.0.1:8080/",
    waitSeconds: 72,
    slaState: "firing",
    latencyMs: 95,
    latencyState: "ok",
    pack: "pack-2026-11-01",
    driftState: "ok",
    pages: 1,
    mails: 1,
    runs: "0/1 succeeded",
    done: 3,
    total: 9,
  };

  it("writes plain timestamped lines and never redraws off a terminal", () => {
    let text = "";
    const n = createNarrator({ write: (t: string) => (text += t) }, { start: Date.now() });
    n.say("alert", "sla_wait_time FIRING");
    n.update(status);
    n.say("ok", "sla_wait_time resolved");
    expect(text).toBe("[00:00] ■ sla_wait_time FIRING\n[00:00] ✔ sla_wait_time resolved\n");
  });

  it("on a terminal keeps a live status under the events, erasing it before each new line", () => {
    let text = "";
    const n = createNarrator(
      { write: (t: string) => (text += t), isTTY: true, columns: 120 },
      { color: false },
    );
    n.update(status);
    n.say("ok", "sla_wait_time resolved");
    const frames = text.split("\u001b[5F\u001b[J");
    expect(frames).toHaveLength(2);
    expect(frames[0]).toContain("OSERS call queue  wait   72 s");
    expect(frames[0]).toContain("■ FIRING");
    expect(frames[0]).toContain("── board http://127.0.0.1:8080/ ──");
    expect(frames[1]).toMatch(/^\[00:00\] ✔ sla_wait_time resolved\n/);
    expect(frames[1]).toContain("[###------] 3/9");
  });
});
