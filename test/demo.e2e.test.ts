/**
 * `hms-ops demo --fast --exit` as a real child process (issue 8, "the demo runs to its end in CI
 * and its sirens really fire"): exit 0 only when every expected thing happened, the narrated
 * milestones in order of the story, and the demo's own data dir as evidence — counsel's email and
 * the pages delivered through the outbox, the legal violation counted, the incidents resolved,
 * both run-books succeeded, drift seen, and an intact audit trail.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, runNode, tempDir } from "./helpers.js";

/** The fast demo takes about 25 s on an idle machine; a loaded one may need more. */
const LIMIT_MS = 150_000;

const runDemo = (args: string[]) =>
  runNode([BIN, "demo", ...args], { ...process.env, NO_COLOR: "1", HMS_OPS_DEMO_FAST: "" }, LIMIT_MS);

describe("hms-ops demo", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it(
    "--fast --exit runs the whole story, its sirens really fire, and exits 0",
    async () => {
      const tmp = await tempDir("hms-ops-demo-test-");
      cleanups.push(tmp.cleanup);
      const data = join(tmp.dir, "demo");
      const run = await runDemo(["--fast", "--exit", "--listen", "127.0.0.1:0", "--data", data]);
      expect(run.signal, `killed after ${LIMIT_MS} ms; output so far:\n${run.out}`).toBeNull();
      expect(run.err).toBe("");
      expect(run.code, run.out).toBe(0);

      // Plain lines on a pipe (no live status redraws), in the order the story tells them.
      expect(run.out).not.toContain("\u001b[");
      // Each of the three stories in its causal order (the stories overlap, so not across them);
      // the closing checklist is left out so that it cannot stand in for a narrated event.
      const story = run.out.slice(0, run.out.indexOf("checked:"));
      const stories = [
        [
          /Reliability Board: http:\/\/127\.0\.0\.1:\d+\//,
          /sensor: pushing the OSERS wait time/,
          /OSERS call queue: average wait \d+ s, over the 60 s legal SLA/,
          /sla_wait_time FIRING/,
          /sla_wait_time resolved/,
        ],
        // Heard from the service itself, so it may be told before the next look at the alerts.
        [/sla_wait_time pending/, /call queue: \+10 agents/, /sla_wait_time resolved/],
        [/sla_wait_time FIRING/, /run-book add-call-agents started/, /run-book add-call-agents succeeded/],
        [
          /IRS login: answering in \d+ ms, over the 250 ms SLO/,
          /irs-login-latency FIRING/,
          /irs-login-latency resolved/,
        ],
        [/irs-login-latency pending/, /IRS login: cache node added/, /irs-login-latency resolved/],
        [/irs-login-latency FIRING/, /run-book add-login-cache-node succeeded/],
        [
          /HMS-CDF publishes pack-2026-11-15-hotfix/,
          /policy_drift FIRING/,
          /HMS-CDF restores the approved pack/,
          /policy_drift resolved/,
        ],
      ];
      for (const steps of stories) {
        let from = 0;
        for (const m of steps) {
          const at = story.slice(from).search(m);
          expect(at, `${m} after offset ${from} in:\n${run.out}`).toBeGreaterThanOrEqual(0);
          from += at;
        }
      }
      expect(run.out).toMatch(/demo complete: every expected thing happened/);
      expect(run.out).toMatch(/pager: PAGE sla_wait_time \(legal\) · INC-[0-9A-Z]{6}/);
      expect(run.out).toMatch(/counsel inbox: "\[COMPLIANCE SIREN\] sla_wait_time/);
      expect(run.out).not.toContain("MISSING");

      // The demo's own data dir: what was delivered, counted and recorded.
      expect(readFileSync(join(data, "ops.yml"), "utf8")).toContain("severity: legal");
      const db = new Database(join(data, "data", "ops.db"), { readonly: true });
      try {
        const delivered = db
          .prepare("SELECT receiver, payload FROM siren_outbox WHERE state = 'delivered' ORDER BY ord")
          .all() as { receiver: string; payload: string }[];
        expect(delivered.some((d) => d.receiver === "counsel")).toBe(true);
        expect(
          new Set(delivered.filter((d) => d.receiver === "pager").map((d) => JSON.parse(d.payload).slo)),
        ).toEqual(new Set(["sla_wait_time", "irs-login-latency", "policy_drift"]));
        const violations = db.prepare("SELECT slo FROM legal_violations").all();
        expect(violations).toEqual([{ slo: "sla_wait_time" }]);
        const incidents = db.prepare("SELECT slo, state FROM incidents ORDER BY opened_at").all();
        expect(incidents).toEqual([
          { slo: "sla_wait_time", state: "resolved" },
          { slo: "irs-login-latency", state: "resolved" },
          { slo: "policy_drift", state: "resolved" },
        ]);
        const runs = db.prepare("SELECT runbook, state FROM runbook_runs ORDER BY runbook").all();
        expect(runs).toEqual([
          { runbook: "add-call-agents", state: "succeeded" },
          { runbook: "add-login-cache-node", state: "succeeded" },
        ]);
      } finally {
        db.close();
      }
      const verify = spawnSync(process.execPath, [BIN, "audit", "verify", "--data", join(data, "data")], {
        encoding: "utf8",
      });
      expect(verify.status, verify.stderr).toBe(0);
      expect(verify.stdout).toMatch(/audit trail ok/);
      expect(existsSync(join(data, "hms-ops.log"))).toBe(true);
    },
    LIMIT_MS + 10_000,
  );

  it("refuses a data directory that is not empty, naming it, before starting anything", async () => {
    const tmp = await tempDir("hms-ops-demo-test-");
    cleanups.push(tmp.cleanup);
    writeFileSync(join(tmp.dir, "ops.db"), "an earlier run");
    const run = spawnSync(
      process.execPath,
      [BIN, "demo", "--fast", "--exit", "--data", tmp.dir, "--listen", "127.0.0.1:0"],
      { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`demo data directory ${tmp.dir} is not empty`);
    expect(run.stdout).toBe("");
  });
});
