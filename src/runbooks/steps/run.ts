/**
 * The `run` step: a command spawned without a shell (argv from ./argv.ts), or with `/bin/sh -c`
 * only when the step says `shell: true`. Trigger data reaches it as environment variables only.
 * The child leads its own process group, so a timeout or cancel kills everything it started.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { formatDuration } from "../../config/duration.js";
import type { RunStep } from "../../config/types.js";
import { systemClock } from "../../core/clock.js";
import { splitCommand } from "./argv.js";
import { Capture } from "./capture.js";
import { ProcessGroup } from "./process-group.js";
import { type Redact, redactor } from "./redact.js";
import { OUTPUT_LIMIT, type StepContext, type StepExecutor, type StepResult } from "./types.js";

/** What the child inherits from HMS-OPS's environment; nothing else (it may hold HMS-OPS's tokens). */
export const INHERITED_ENV = ["PATH", "HOME", "LANG"] as const;
const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

export const runStep: StepExecutor<RunStep> = {
  async run(step, ctx) {
    const redact = redactor(ctx.secrets);
    const split = step.shell
      ? { ok: true as const, argv: ["/bin/sh", "-c", step.run] }
      : splitCommand(step.run);
    if (!split.ok) return { status: "failed", durationMs: 0, error: redact(split.error) };
    if (ctx.dryRun) return { status: "skipped", durationMs: 0, wouldRun: redact(JSON.stringify(split.argv)) };
    if (ctx.signal.aborted)
      return { status: "cancelled", durationMs: 0, error: "cancelled before it started" };
    return spawnStep(split.argv, childEnv(step, ctx), ctx, redact);
  },
};

/** Inherited basics < the step's `env` < the context's env (trigger data, run-book env, secrets). */
export function childEnv(step: RunStep, ctx: StepContext): Record<string, string> {
  const env: Record<string, string> = { PATH: DEFAULT_PATH };
  for (const key of INHERITED_ENV) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...step.env, ...ctx.env };
}

type Ending = "timed_out" | "cancelled";

function spawnStep(
  argv: string[],
  env: Record<string, string>,
  ctx: StepContext,
  redact: Redact,
): Promise<StepResult> {
  const clock = ctx.clock ?? systemClock;
  const started = clock.now();
  const [program = "", ...args] = argv;
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(program, args, { shell: false, detached: true, env, stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      // Synchronous refusals, e.g. a NUL byte in an argument.
      resolve({
        status: "failed",
        durationMs: 0,
        error: redact(`cannot run \`${program}\`: ${message(err)}`),
      });
      return;
    }
    const stdout = new Capture(OUTPUT_LIMIT, redact);
    const stderr = new Capture(OUTPUT_LIMIT, redact);
    // Always read to the end so the child never blocks on a full pipe; Capture drops what is over the cap.
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));

    const pid = child.pid;
    const group = pid === undefined ? undefined : new ProcessGroup(pid, clock, child);
    let ending: Ending | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let spawnError: string | undefined;

    const stop = (why: Ending) => {
      if (exit || ending) return;
      ending = why;
      group?.terminate();
    };
    const timer = clock.setTimer(ctx.timeoutMs, () => stop("timed_out"));
    const onAbort = () => stop("cancelled");
    ctx.signal.addEventListener("abort", onAbort, { once: true });

    child.on("error", (err: NodeJS.ErrnoException) => {
      if (pid === undefined) spawnError = spawnFailure(program, err, env.PATH);
    });
    child.on("exit", (code, signal) => {
      exit = { code, signal };
      // Whatever the command left running in its group (a `cmd &`) ends with it.
      group?.terminate();
    });
    child.on("close", async () => {
      timer.cancel();
      await group?.settle();
      ctx.signal.removeEventListener("abort", onAbort);
      const base = {
        durationMs: clock.now() - started,
        ...(pid !== undefined && { pid }),
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: stdout.text(),
        stderr: stderr.text(),
        ...((stdout.truncated || stderr.truncated) && { truncated: true }),
      };
      if (spawnError !== undefined) {
        resolve({ status: "failed", durationMs: base.durationMs, error: redact(spawnError) });
      } else if (ending === "timed_out") {
        resolve({
          ...base,
          status: "timed_out",
          error: `timed out after ${formatDuration(ctx.timeoutMs)}; process group killed`,
        });
      } else if (ending === "cancelled") {
        resolve({ ...base, status: "cancelled", error: "cancelled; process group killed" });
      } else if (base.exitCode === 0) {
        resolve({ ...base, status: "succeeded" });
      } else {
        const why = base.signal ? `killed by signal ${base.signal}` : `exited with code ${base.exitCode}`;
        resolve({ ...base, status: "failed", error: why });
      }
    });
  });
}

function spawnFailure(program: string, err: NodeJS.ErrnoException, path: string | undefined): string {
  if (err.code === "ENOENT") {
    return program.includes("/")
      ? `cannot run \`${program}\`: no such file (ENOENT)`
      : `cannot run \`${program}\`: no such program on PATH (ENOENT; PATH=${path ?? ""})`;
  }
  if (err.code === "EACCES")
    return `cannot run \`${program}\`: permission denied (EACCES; is it executable?)`;
  return `cannot run \`${program}\`: ${err.message}`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
