import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../../test/helpers.js";
import { groupAlive, groupMembers } from "./process-group.js";
import { runStep } from "./run.js";
import { OUTPUT_LIMIT, type StepContext } from "./types.js";

function ctx(over: Partial<StepContext> = {}): StepContext {
  return {
    env: {},
    secrets: [],
    timeoutMs: 30_000,
    signal: new AbortController().signal,
    dryRun: false,
    ...over,
  };
}

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir("hms-ops-run-"));
});
afterEach(() => cleanup());

describe("run step: no shell", () => {
  it("splits the command into argv and runs it without a shell", async () => {
    const r = await runStep.run({ run: `printf '%s|' one "two words" three\\ four` }, ctx());
    expect(r).toMatchObject({
      status: "succeeded",
      exitCode: 0,
      signal: null,
      stdout: "one|two words|three four|",
    });
  });

  it("never executes a label value, whether it arrives in env or as a literal argument", async () => {
    const pwned = join(dir, "pwned");
    const value = `; touch ${pwned}`;
    const env = { HMS_OPS_LABEL_HOST: value, HMS_OPS_LABEL_SUB: `$(touch ${pwned})` };
    const results = [
      await runStep.run({ run: "printenv HMS_OPS_LABEL_HOST" }, ctx({ env })),
      await runStep.run({ run: `printf %s ${JSON.stringify(value)}` }, ctx({ env })),
      // A shell reads the variable's value as data, never as code, when the command quotes it.
      await runStep.run(
        { run: `printf '%s\\n' "$HMS_OPS_LABEL_HOST" "$HMS_OPS_LABEL_SUB"`, shell: true },
        ctx({ env }),
      ),
      await runStep.run({ run: `sh -c 'printf %s "$HMS_OPS_LABEL_SUB"'` }, ctx({ env })),
    ];
    expect(results.map((r) => r.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    expect(results[0]?.stdout).toBe(`${value}\n`);
    expect(results[1]?.stdout).toBe(value);
    expect(results[2]?.stdout).toBe(`${value}\n$(touch ${pwned})\n`);
    expect(results[3]?.stdout).toBe(`$(touch ${pwned})`);
    expect(existsSync(pwned)).toBe(false);
  });

  it.each([
    ["touch {F}; echo hi", "`;` is a shell operator"],
    ["echo hi && touch {F}", "`&&` is a shell operator"],
    ["echo hi | tee {F}", "`|` is a shell operator"],
    ["echo hi > {F}", "`>` is a shell operator"],
    ["touch {F} &", "`&` is a shell operator"],
    ["echo $(touch {F})", "`$` starts a substitution"],
    ["echo `touch {F}`", "contains a backtick"],
    ["touch $HMS_OPS_LABEL_HOST", "`$HMS_OPS_LABEL_HOST` is a variable reference"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell syntax under test
    ["touch ${HOME}/x", "`$HOME` is a variable reference"],
    ["touch {F}*", "is a glob pattern"],
    ["touch {F} #note", "`#note` would be read as a comment"],
    ['touch "{F}', "unterminated double quote"],
  ])("refuses shell syntax without `shell: true`: %s", async (template, fragment) => {
    const file = join(dir, "made");
    const r = await runStep.run({ run: template.replace("{F}", file) }, ctx());
    expect(r.status).toBe("failed");
    expect(r.error).toContain(fragment);
    expect(r.error).toContain("shell: true");
    expect(r.pid).toBeUndefined();
    expect(existsSync(file)).toBe(false);
  });

  it("runs shell syntax with `shell: true`, via /bin/sh -c and the text as written", async () => {
    const r = await runStep.run({ run: "echo abc | tr a-c x-z; exit 4", shell: true }, ctx());
    expect(r).toMatchObject({ status: "failed", exitCode: 4, stdout: "xyz\n", error: "exited with code 4" });
  });

  it("records a failing exit code and stderr", async () => {
    const r = await runStep.run({ run: "ls /definitely/not/here" }, ctx());
    expect(r.status).toBe("failed");
    expect(r.exitCode).not.toBe(0);
    expect(r.exitCode).toBeTypeOf("number");
    expect(r.stderr).toContain("/definitely/not/here");
  });

  it("fails clearly when the program does not exist", async () => {
    const r = await runStep.run({ run: "no-such-program-hms --flag" }, ctx());
    expect(r.status).toBe("failed");
    expect(r.error).toMatch(/cannot run `no-such-program-hms`: no such program on PATH \(ENOENT/);
  });

  it("passes a minimal environment: PATH, HOME, LANG, the step's env and the context's, nothing else", async () => {
    process.env.HMS_OPS_TEST_PARENT_TOKEN = "parent-token-value-123";
    try {
      const r = await runStep.run(
        { run: "printenv", env: { STEP_VAR: "from-step", SHARED: "step" } },
        ctx({ env: { HMS_OPS_SLO: "login", SHARED: "context" } }),
      );
      const vars = Object.fromEntries(
        (r.stdout ?? "")
          .trim()
          .split("\n")
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      expect(Object.keys(vars).sort()).toEqual(
        [
          "HMS_OPS_SLO",
          "PATH",
          "SHARED",
          "STEP_VAR",
          ...(process.env.HOME ? ["HOME"] : []),
          ...(process.env.LANG ? ["LANG"] : []),
        ].sort(),
      );
      expect(vars).toMatchObject({ HMS_OPS_SLO: "login", SHARED: "context", STEP_VAR: "from-step" });
    } finally {
      delete process.env.HMS_OPS_TEST_PARENT_TOKEN;
    }
  });

  it("dry run: says what it would run and spawns nothing", async () => {
    const file = join(dir, "made");
    const r = await runStep.run({ run: `touch ${file}` }, ctx({ dryRun: true }));
    expect(r).toMatchObject({ status: "skipped", wouldRun: JSON.stringify(["touch", file]) });
    const sh = await runStep.run({ run: `touch ${file}; true`, shell: true }, ctx({ dryRun: true }));
    expect(sh.wouldRun).toBe(JSON.stringify(["/bin/sh", "-c", `touch ${file}; true`]));
    expect(existsSync(file)).toBe(false);
  });
});

describe("run step: output and secrets", () => {
  it("caps stdout and stderr, keeps reading so the child finishes, and marks truncation", async () => {
    const r = await runStep.run(
      { run: `head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2; echo done >&2`, shell: true },
      ctx(),
    );
    expect(r.status).toBe("succeeded");
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(r.stdout ?? "")).toBe(OUTPUT_LIMIT);
    expect(Buffer.byteLength(r.stderr ?? "")).toBe(OUTPUT_LIMIT);
    const small = await runStep.run({ run: "echo ok" }, ctx());
    expect(small.truncated).toBeUndefined();
  });

  it("redacts secrets from output, including URL-encoded and base64 forms", async () => {
    const secret = "s3cr3t/pa ss+word";
    const script = [
      'echo "plain: $API_TOKEN"',
      'echo "stderr: $API_TOKEN" >&2',
      'printf \'b64: %s\\n\' "$(printf %s "$API_TOKEN" | base64)"',
      "printf 'basic: %s\\n' \"$(printf 'admin:%s' \"$API_TOKEN\" | base64)\"",
      "echo 'url: s3cr3t%2Fpa%20ss%2Bword'",
    ].join("\n");
    const r = await runStep.run(
      { run: script, shell: true },
      ctx({ env: { API_TOKEN: secret }, secrets: [secret] }),
    );
    const all = `${r.stdout}${r.stderr}`;
    expect(all).not.toContain(secret);
    expect(all).not.toContain(Buffer.from(secret).toString("base64").slice(0, 12));
    expect(all).not.toContain(Buffer.from(`admin:${secret}`).toString("base64").slice(8, 20));
    expect(all).not.toContain("s3cr3t%2F");
    expect(r.stdout).toContain("plain: [redacted]");
    expect(r.stderr).toContain("stderr: [redacted]");
  });

  it("redacts a secret written into the command itself from errors and dry runs", async () => {
    const secret = "hunter2-long-secret";
    const refused = await runStep.run({ run: `curl -u admin:${secret} x; y` }, ctx({ secrets: [secret] }));
    expect(refused.error).toContain("[redacted]");
    expect(refused.error).not.toContain(secret);
    const dry = await runStep.run(
      { run: `curl -u admin:${secret}` },
      ctx({ secrets: [secret], dryRun: true }),
    );
    expect(dry.wouldRun).not.toContain(secret);
  });
});

describe("run step: timeout and cancel kill the whole process group", () => {
  it("kills a hanging command and its background grandchild at the timeout", async () => {
    const pidFile = join(dir, "grandchild.pid");
    // The grandchild is written to its file before the parent hangs; `wait` never returns.
    const r = await runStep.run(
      { run: `sleep 1000 & echo $! > ${pidFile}; echo started; wait`, shell: true },
      ctx({ timeoutMs: 1_000 }),
    );
    expect(r.status).toBe("timed_out");
    expect(r.error).toBe("timed out after 1s; process group killed");
    expect(r.stdout).toBe("started\n");
    expect(r.signal).toBe("SIGTERM");
    const grandchild = Number(await readFile(pidFile, "utf8"));
    expect(grandchild).toBeGreaterThan(0);
    expect(r.pid).toBeTypeOf("number");
    expect(groupMembers(r.pid!)?.filter((m) => m.state !== "Z")).toEqual([]);
    expect(groupAlive(r.pid!)).toBe(false);
    expect(liveProcess(grandchild)).toBe(false);
  });

  it("sends SIGKILL after the grace period to a group that ignores SIGTERM", async () => {
    const pidFile = join(dir, "stubborn.pid");
    const r = await runStep.run(
      { run: `trap '' TERM; sh -c "trap '' TERM; sleep 1000" & echo $! > ${pidFile}; wait`, shell: true },
      ctx({ timeoutMs: 1_000 }),
    );
    expect(r.status).toBe("timed_out");
    expect(groupAlive(r.pid!)).toBe(false);
    expect(liveProcess(Number(await readFile(pidFile, "utf8")))).toBe(false);
  });

  it("cleans up background processes a finished command left in its group", async () => {
    const pidFile = join(dir, "left.pid");
    const r = await runStep.run(
      { run: `sleep 1000 > /dev/null 2>&1 & echo $! > ${pidFile}`, shell: true },
      ctx(),
    );
    expect(r.status).toBe("succeeded");
    expect(groupAlive(r.pid!)).toBe(false);
    expect(liveProcess(Number(await readFile(pidFile, "utf8")))).toBe(false);
  });

  it("cancels on abort and kills the group", async () => {
    const ac = new AbortController();
    const pending = runStep.run({ run: "sleep 1000" }, ctx({ signal: ac.signal }));
    ac.abort();
    const r = await pending;
    expect(r.status).toBe("cancelled");
    expect(groupAlive(r.pid!)).toBe(false);
    const early = await runStep.run({ run: `touch ${join(dir, "never")}` }, ctx({ signal: ac.signal }));
    expect(early.status).toBe("cancelled");
    expect(existsSync(join(dir, "never"))).toBe(false);
  });
});

/** Running, and not a zombie left for an init that does not reap. */
function liveProcess(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false;
  }
}
