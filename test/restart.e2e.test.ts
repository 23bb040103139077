/** kill -9 while firing, restart on the same data dir: no second page, still firing, resolves once. */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { api, TOKENS, TOKENS_YAML, tempDir, waitFor } from "./helpers.js";
import { startReceiver } from "./servers.js";

const BIN = resolve("bin/hms-ops.js");

async function serve(configFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, "serve", "-c", configFile, "--listen", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const url = await waitFor(
    () => /serving on (http:\/\/[\d.:]+)/.exec(out)?.[1],
    `server start (output: ${out})`,
    15_000,
  );
  return { child, url };
}

const killed = (child: ChildProcess) => new Promise((r) => child.once("exit", r));

describe("restart while firing", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("never re-pages after kill -9, keeps firing, resolves once", async () => {
    const hook = await startReceiver();
    cleanups.push(() => hook.close());
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const file = join(dir, "ops.yml");
    await writeFile(
      file,
      `server:\n  data: ./data\n  eval_interval: 500ms\n${TOKENS_YAML}probes:\n  - { name: queue, type: push }\n` +
        `slos:\n  - { name: queue-deep, probe: queue, when: "value > 100", siren: oncall }\n` +
        `sirens:\n  oncall: { notify: [hook] }\nreceivers:\n  hook: { type: webhook, url: "${hook.url}/hook" }\n`,
    );
    const push = (url: string, value: number) =>
      api(url, "/api/v1/metrics", {
        method: "POST",
        token: TOKENS.sensor,
        body: { samples: [{ probe: "queue", value }] },
      });
    const sloState = async (url: string) => {
      const res = await api(url, "/api/v1/status", { token: TOKENS.reader });
      return (res.body as { slos: { name: string; state: string }[] }).slos[0]?.state;
    };

    const first = await serve(file);
    cleanups.push(async () => {
      first.child.kill("SIGKILL");
    });
    expect((await push(first.url, 500)).status).toBe(202);
    await waitFor(() => hook.received.length === 1, "first page", 10_000);
    // Kill while firing, not mid-delivery: once the outbox has recorded the page as delivered.
    // (Killed between the receiver's 200 and that record, the page is re-sent: at-least-once,
    // with the same dedupKey — the outbox tests cover that case.)
    const db = new Database(join(dir, "data", "ops.db"), { readonly: true });
    const delivered = db.prepare("SELECT count(*) AS n FROM siren_outbox WHERE state = 'delivered'");
    await waitFor(() => (delivered.get() as { n: number }).n === 1, "delivery recorded");
    db.close();
    first.child.kill("SIGKILL");
    await killed(first.child);

    const second = await serve(file);
    cleanups.push(async () => {
      second.child.kill("SIGKILL");
    });
    expect(await sloState(second.url)).toBe("firing");
    // Absence can only be shown by waiting: four evaluation ticks and outbox passes, still one page.
    await new Promise((r) => setTimeout(r, 2000));
    expect(hook.received.map((r) => r.body.status)).toEqual(["firing"]);

    expect((await push(second.url, 10)).status).toBe(202);
    await waitFor(() => hook.received.length === 2, "resolve", 10_000);
    expect(hook.received.map((r) => r.body.status)).toEqual(["firing", "resolved"]);
    expect(hook.received[1]?.body.dedupKey).toBe(hook.received[0]?.body.dedupKey);
    expect(await sloState(second.url)).toBe("ok");
  });
});
