/**
 * Client commands of the `hms-ops` binary against a running server (issue 4: ack, resolve and
 * notes over the CLI, audited with the token's name). The server runs in this process, so the CLI
 * is spawned asynchronously (spawnSync would block the server it talks to).
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { pushSamples, type Running, read, TOKENS, TOKENS_YAML, testScope, waitFor } from "./helpers.js";

const BIN = resolve("bin/hms-ops.js");

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", fail);
    child.on("exit", (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });
}

describe("hms-ops client commands", () => {
  const scope = testScope();

  /** The app with its `wait` SLO breached by a pushed 99. */
  async function breached(): Promise<Running> {
    const running = await scope.start(
      `server:\n  data: ./data\n${TOKENS_YAML}probes:\n  - { name: queue, type: push }\nslos:\n  - { name: wait, probe: queue, when: "value > 60", severity: page }\n`,
    );
    await pushSamples(running.url, [{ probe: "queue", value: 99 }]);
    return running;
  }

  it("lists, shows, acknowledges, notes and resolves an incident", async () => {
    const running = await breached();
    const id = await waitFor(
      async () =>
        (await read<{ incidents: { id: string }[] }>(running.url, "/api/v1/incidents")).incidents[0]?.id,
      "the incident",
    );
    const env = { HMS_OPS_URL: running.url, HMS_OPS_TOKEN: TOKENS.operator };

    const list = await cli(["incidents"], env);
    expect(list.stderr).toBe("");
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+STATE\s+SEVERITY\s+SLO/);
    expect(list.stdout).toContain(`${id}  open`);

    const ack = await cli(["ack", id, "-m", "looking"], env);
    expect(ack.stdout.trim()).toBe(`${id} acknowledged by operator`);
    const twice = await cli(["ack", id], env);
    expect(twice.status).toBe(1);
    expect(twice.stderr).toContain("already acknowledged by operator");

    expect((await cli(["note", id, "restarted the queue"], env)).status).toBe(0);
    const resolved = await cli(["resolve", id, "--url", running.url, "--token", TOKENS.admin, "--json"]);
    expect(JSON.parse(resolved.stdout)).toMatchObject({ id, state: "resolved", resolvedBy: "admin" });

    const shown = await cli(["incident", id], env);
    expect(shown.stdout).toContain(`${id}  resolved`);
    expect(shown.stdout).toMatch(/incident\.acknowledged\s+operator\s+/);
    expect(shown.stdout).toContain("restarted the queue");

    const reader = await cli(["ack", id], { ...env, HMS_OPS_TOKEN: TOKENS.reader });
    expect(reader.status).toBe(1);
    expect(reader.stderr).toContain('lacks the "operate" scope');
  });

  it("status shows the board; silence add, list and expire", async () => {
    const running = await breached();
    await waitFor(
      async () =>
        (await read<{ alerts: { state: string }[] }>(running.url, "/api/v1/alerts")).alerts[0]?.state ===
        "firing",
      "the alert",
    );
    const env = { HMS_OPS_URL: running.url, HMS_OPS_TOKEN: TOKENS.operator };
    const board = await cli(["status"], env);
    expect(board.stderr).toBe("");
    expect(board.stdout).toMatch(/^policy \(unknown\) · open incidents 1/);
    expect(board.stdout).toMatch(/queue\s+[●▲■] (green|yellow|red)\s+99/);
    expect(board.stdout).toMatch(/wait\s+■ firing\s+99\s+page/);

    const added = await cli(["silence", "add", "slo=wait", "-m", "known issue", "-d", "2h"], env);
    expect(added.stderr).toBe("");
    const id = added.stdout.split(" ")[0] ?? "";
    expect(added.stdout).toContain("active until");
    const listed = await cli(["silence", "list"], env);
    expect(listed.stdout).toContain(`${id}  active`);
    expect((await cli(["silence", "expire", id], env)).stdout.trim()).toBe(`${id} expired`);
    const bad = await cli(["silence", "add", "slo=wait", "-m", "x", "--end", "2000-01-01T00:00:00Z"], env);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("endsAt");
  });

  it("says so when the server cannot be reached, and when the incident does not exist", async () => {
    const down = await cli(["incidents", "--url", "http://127.0.0.1:9"]);
    expect(down.status).toBe(1);
    expect(down.stderr).toContain("cannot reach http://127.0.0.1:9");
    const srv = await scope.start(`server:\n  data: ./data\n${TOKENS_YAML}`);
    const missing = await cli(["incident", "INC-NOPE00", "--url", srv.url, "--token", TOKENS.reader]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no incident "INC-NOPE00"');
  });
});
