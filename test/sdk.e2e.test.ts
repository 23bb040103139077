/**
 * The SDK against a real running server (issue 8 "Must show"): the seed's flow — register a probe
 * with `type: "http_latency"` and `sloMs`, attach a run-book, a breach fires it, incidents are
 * listed and acknowledged — plus typed errors and the dashboard URL.
 */

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { Center, HmsOpsError, Probe, Runbook } from "../src/index.js";
import { TOKENS, TOKENS_YAML, testScope, waitFor } from "./helpers.js";
import { startTarget } from "./servers.js";

describe("SDK", () => {
  const scope = testScope();

  it("registers, attaches, and a breach runs the run-book; incidents are listed and acknowledged", async () => {
    const target = await startTarget();
    scope.track(target);
    const srv = await scope.start(`server:\n  data: ./data\n${TOKENS_YAML}`);
    const marker = join(srv.dir, "failover-ran");
    const script = join(srv.dir, "failover.mjs");
    await writeFile(
      script,
      `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, process.env.HMS_OPS_PROBE ?? "");\n`,
    );

    const ops = new Center({ url: srv.url, token: TOKENS.admin });
    const probe = new Probe({
      name: "IRS_Login_Latency",
      target: `${target.url}/login`,
      type: "http_latency",
      sloMs: 250,
      interval: "300ms",
      timeout: "250ms",
    });
    expect(probe.spec).toMatchObject({ type: "http", expect: { max_latency: "250ms" } });
    await ops.probes.register(probe);
    expect((await ops.probes.list()).map((p) => p.name)).toContain("IRS_Login_Latency");

    const attached = await ops.runbooks.attach({
      probe: "IRS_Login_Latency",
      when: "latency > 100ms for 600ms",
      do: new Runbook({ name: "Add_Login_Cache_Node", steps: [`node ${script}`] }),
    });
    expect(attached).toMatchObject({ runbook: "Add_Login_Cache_Node" });
    expect(ops.dashboard.url()).toBe(`${srv.url}/`);

    target.delayMs = 200;
    await waitFor(() => existsSync(marker), "the run-book to run", 15_000);
    expect(await readFile(marker, "utf8")).toBe("IRS_Login_Latency");

    const incidents = await ops.incidents.list({ state: "active" });
    expect(incidents).toHaveLength(1);
    const [incident] = incidents;
    const acked = await new Center({ url: srv.url, token: TOKENS.operator }).incidents.ack(
      incident?.id ?? "",
      "on it",
    );
    expect(acked).toMatchObject({ state: "acknowledged", acknowledgedBy: "operator" });
    expect(ops.dashboard.url(incident?.id)).toBe(`${srv.url}/incidents/${incident?.id}`);
    // The marker is written by the step; the run's record says so a moment later.
    await waitFor(
      async () => (await ops.runbooks.runs({ runbook: "Add_Login_Cache_Node" }))[0]?.state === "succeeded",
      "the run to be recorded as succeeded",
    );
  });

  it("throws typed errors carrying the server's code, and reads the token from HMS_OPS_TOKEN", async () => {
    const srv = await scope.start(`server:\n  data: ./data\n${TOKENS_YAML}`);
    const reader = new Center({ url: srv.url, token: TOKENS.reader });
    const forbidden = await reader.probes
      .register({ name: "x", target: "http://127.0.0.1:9/" })
      .catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(HmsOpsError);
    expect(forbidden).toMatchObject({ code: "forbidden", status: 403 });
    const invalid = await new Center({ url: srv.url, token: TOKENS.admin }).probes
      .register({ name: "bad name!", target: "http://127.0.0.1:9/" })
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({ code: "validation_failed", status: 400, details: [{ path: "name" }] });
    const previous = process.env.HMS_OPS_TOKEN;
    process.env.HMS_OPS_TOKEN = TOKENS.reader;
    try {
      expect(await new Center({ url: srv.url }).incidents.list()).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.HMS_OPS_TOKEN;
      else process.env.HMS_OPS_TOKEN = previous;
    }
    const down = await new Center({ url: "http://127.0.0.1:9", retries: 2 }).incidents
      .list()
      .catch((e: unknown) => e);
    expect(down).toMatchObject({ code: "server_unreachable", status: 0, retryable: true });
    expect(() => new Probe({ name: "q", type: "push", sloMs: 5 })).toThrow(/http probes/);
  });

  it("works from plain JavaScript through the package entry", () => {
    const script = `
      const m = await import(${JSON.stringify(resolve("dist/src/index.js"))});
      const p = new m.Probe({ name: "IRS_Login_Latency", target: "https://tax.example/login", type: "http_latency", slo_ms: 250 });
      console.log(JSON.stringify({ center: typeof m.Center, spec: p.spec }));
    `;
    const out = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toMatchObject({
      center: "function",
      spec: { type: "http", name: "IRS_Login_Latency", expect: { max_latency: "250ms" } },
    });
  });
});
