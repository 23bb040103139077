/**
 * The `http` step: one request (e.g. a CI/CD API's rollback), judged by its status. Redirects are
 * never followed — a 3xx is a failure unless `expect_status` lists it — so a step can never be
 * bounced to another host with its headers (and whatever credentials they hold).
 */

import { formatDuration } from "../../config/duration.js";
import type { HttpStep } from "../../config/types.js";
import { systemClock } from "../../core/clock.js";
import { redactUrl } from "../../core/redact.js";
import { Capture } from "./capture.js";
import { type Redact, redactor } from "./redact.js";
import { OUTPUT_LIMIT, type StepContext, type StepExecutor, type StepResult } from "./types.js";

type Ending = "timed_out" | "cancelled";

export const httpStep: StepExecutor<HttpStep> = {
  async run(step, ctx) {
    const redact = redactor(ctx.secrets);
    const { method, url } = step.http;
    const wouldRun = redact(`${method} ${redactUrl(url)}`);
    if (ctx.dryRun) return { status: "skipped", durationMs: 0, wouldRun };
    if (ctx.signal.aborted)
      return { status: "cancelled", durationMs: 0, error: "cancelled before it started" };
    return request(step, ctx, redact);
  },
};

async function request(step: HttpStep, ctx: StepContext, redact: Redact): Promise<StepResult> {
  const clock = ctx.clock ?? systemClock;
  const started = clock.now();
  const controller = new AbortController();
  let ending: Ending | undefined;
  const stop = (why: Ending) => {
    ending ??= why;
    controller.abort();
  };
  const timer = clock.setTimer(ctx.timeoutMs, () => stop("timed_out"));
  const onAbort = () => stop("cancelled");
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  const done = (result: Omit<StepResult, "durationMs">): StepResult => {
    const { error, ...rest } = result;
    return {
      ...rest,
      durationMs: clock.now() - started,
      ...(error !== undefined && { error: redact(error) }),
    };
  };

  let status: number | undefined;
  const body = new Capture(OUTPUT_LIMIT, redact);
  try {
    const { url, init } = requestInit(step);
    const res = await fetch(url, { ...init, redirect: "manual", signal: controller.signal });
    status = res.status;
    await readCapped(res, body);
    const base = { httpStatus: status, stdout: body.text(), ...(body.truncated && { truncated: true }) };
    const problem = judge(res, step.http.expect_status);
    return done(problem ? { ...base, status: "failed", error: problem } : { ...base, status: "succeeded" });
  } catch (err) {
    const partial = {
      ...(status !== undefined && { httpStatus: status, stdout: body.text() }),
      ...(body.truncated && { truncated: true }),
    };
    if (ending === "timed_out") {
      return done({
        ...partial,
        status: "timed_out",
        error: `no complete response within ${formatDuration(ctx.timeoutMs)}`,
      });
    }
    if (ending === "cancelled") return done({ ...partial, status: "cancelled", error: "cancelled" });
    return done({
      ...partial,
      status: "failed",
      error: `${step.http.method} ${redactUrl(step.http.url)}: ${describe(err)}`,
    });
  } finally {
    timer.cancel();
    ctx.signal.removeEventListener("abort", onAbort);
  }
}

/**
 * A mapping or list body is sent as JSON (with its content type unless one is given); text as is.
 * Credentials in the URL (`https://ci:${TOKEN}@ci.example/...`), which fetch refuses, become HTTP
 * Basic auth unless the step sets its own Authorization header.
 */
function requestInit(step: HttpStep): { url: URL; init: RequestInit } {
  const url = new URL(step.http.url);
  const headers = new Headers(step.http.headers);
  if (url.username !== "" || url.password !== "") {
    const basic = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    if (!headers.has("authorization"))
      headers.set("authorization", `Basic ${Buffer.from(basic).toString("base64")}`);
    url.username = "";
    url.password = "";
  }
  const { method, body } = step.http;
  if (body === undefined) return { url, init: { method, headers } };
  if (typeof body === "string") return { url, init: { method, headers, body } };
  if (!headers.has("content-type")) headers.set("content-type", "application/json");
  return { url, init: { method, headers, body: JSON.stringify(body) } };
}

/** Reads the body into `capture`, and stops reading (cancelling the rest) once it is over the cap. */
async function readCapped(res: Response, capture: Capture): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    capture.push(value);
    if (capture.full) {
      await reader.cancel().catch(() => {});
      return;
    }
  }
}

/** Undefined when the status is what the step expects (default: any 2xx). */
function judge(res: Response, expected: readonly number[] | undefined): string | undefined {
  const ok = expected ? expected.includes(res.status) : res.status >= 200 && res.status < 300;
  if (ok) return undefined;
  const wanted = expected ? `expected ${expected.join(" or ")}` : "expected 2xx";
  if (res.status >= 300 && res.status < 400) {
    const location = res.headers.get("location");
    return (
      `redirected (${res.status}) to ${location === null ? "nowhere" : redactUrl(location)}; ` +
      `redirects are not followed (${wanted}; list ${res.status} in expect_status if it is expected)`
    );
  }
  return `unexpected status ${res.status} (${wanted})`;
}

/** fetch wraps network errors as `TypeError: fetch failed`; the useful part is in `cause`. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  if (cause && typeof cause.message === "string") {
    return typeof cause.code === "string" && !cause.message.includes(cause.code)
      ? `${cause.code}: ${cause.message}`
      : cause.message;
  }
  return err.message;
}
