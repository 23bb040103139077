/**
 * The contract every receiver kind passes (Alertmanager's notify/ test helper, here against a real
 * loopback HTTP server): it delivers, it classifies failures as retryable or not, and no secret
 * of its config ever appears in a returned error or a log line. Never part of the build.
 */
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceiverConfig } from "../../config/index.js";
import { sampleNotification } from "../fixtures.case.js";
import type { Notification } from "../notification.js";
import {
  type CapturedRequest,
  closedPort,
  type LoopbackReceiver,
  startLoopbackReceiver,
} from "./loopback.case.js";
import type { ReceiverKind, SendContext, SendResult } from "./types.js";

/** Secret values the suite hands to `makeConfig`; the config must use each where the kind can. */
export interface ContractSecrets {
  /** A signing secret (HMAC). */
  signing: string;
  /** URL credentials: put them in the URL as `user:password@`. */
  user: string;
  password: string;
  /** A bearer token or routing key, e.g. in a header. */
  token: string;
  /** The timeout to configure, when the kind has one. */
  timeoutMs: number;
}

export interface ReceiverContractOptions {
  /** Asserts that `req` carries `n` in this kind's wire format. */
  expectPayload(req: CapturedRequest, n: Notification): void;
}

const SECRETS: ContractSecrets = {
  signing: "hmac-S3cret-4b1d9e",
  user: "contract-user-7f3a",
  password: "pw-S3cr3t-9q1z",
  token: "tok-Z9y8x7w6v5u4",
  timeoutMs: 300,
};

/** Every form a leaked secret could take in text. */
function leakForms(s: ContractSecrets): string[] {
  const raw = [s.signing, s.user, s.password, s.token];
  return [...raw, ...raw.map(encodeURIComponent), Buffer.from(`${s.user}:${s.password}`).toString("base64")];
}

/** An answer that echoes everything it received: the likeliest way a secret lands in an error. */
const echo =
  (status: number, headers: Record<string, string> = {}) =>
  (req: CapturedRequest) => ({
    status,
    headers,
    body: `you sent ${JSON.stringify(req.headers)} to ${req.path} with ${req.body}`,
  });

export function receiverContract<C extends ReceiverConfig>(
  kind: ReceiverKind<C>,
  makeConfig: (url: string, secrets: ContractSecrets) => C,
  opts: ReceiverContractOptions,
): void {
  describe(`receiver contract: ${kind.type}`, () => {
    let rx: LoopbackReceiver;
    const logLines: string[] = [];
    const errors: string[] = [];
    const logger = pino(
      { level: "trace" },
      new Writable({
        write(chunk, _enc, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    );
    const ctx = (): SendContext => ({ deliveryId: "delivery-1", attempt: 1, logger });
    const withUrl = (url: string) => {
      const u = new URL(url);
      u.username = encodeURIComponent(SECRETS.user);
      u.password = encodeURIComponent(SECRETS.password);
      return makeConfig(u.toString(), SECRETS);
    };
    const send = async (n: Notification, url = rx.url): Promise<SendResult> => {
      const result = await kind.send(n, withUrl(url), ctx());
      if (!result.ok) errors.push(result.error);
      return result;
    };

    beforeAll(async () => {
      rx = await startLoopbackReceiver();
    });
    afterAll(async () => {
      await rx.close();
    });

    it("delivers the notification and reports ok on 2xx", async () => {
      const n = sampleNotification();
      rx.respond({ status: 202 });
      const before = rx.requests.length;
      const result = await send(n);
      expect(result).toMatchObject({ ok: true });
      expect(rx.requests.length).toBe(before + 1);
      opts.expectPayload(rx.requests[rx.requests.length - 1]!, n);
    });

    it.each([500, 502, 503])("classifies HTTP %i as retryable, naming the status", async (status) => {
      rx.respond(echo(status));
      const result = await send(sampleNotification());
      expect(result).toMatchObject({ ok: false, retryable: true, status });
      if (!result.ok) expect(result.error).toContain(String(status));
    });

    it("classifies 408 and 429 as retryable and honours Retry-After (seconds and HTTP-date)", async () => {
      rx.respond(echo(429, { "retry-after": "7" }));
      const seconds = await send(sampleNotification());
      expect(seconds).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 7000 });

      rx.respond(echo(503, { "retry-after": new Date(Date.now() + 120_000).toUTCString() }));
      const date = await send(sampleNotification());
      expect(date.ok).toBe(false);
      if (!date.ok) {
        expect(date.retryAfterMs).toBeGreaterThan(110_000);
        expect(date.retryAfterMs).toBeLessThanOrEqual(120_000);
      }

      rx.respond(echo(408));
      expect(await send(sampleNotification())).toMatchObject({ ok: false, retryable: true, status: 408 });
    });

    it.each([400, 401, 404, 422])(
      "classifies HTTP %i as not retryable, naming the status",
      async (status) => {
        rx.respond(echo(status));
        const result = await send(sampleNotification());
        expect(result).toMatchObject({ ok: false, retryable: false, status });
        if (!result.ok) expect(result.error).toContain(String(status));
      },
    );

    it("gives up after the configured timeout, as retryable", async () => {
      rx.respond({ status: 200, delayMs: 3000 });
      const started = performance.now();
      const result = await send(sampleNotification());
      expect(performance.now() - started).toBeLessThan(2000);
      expect(result).toMatchObject({ ok: false, retryable: true });
      if (!result.ok) expect(result.error).toMatch(/timed out/);
    });

    it("classifies a refused connection as retryable", async () => {
      const port = await closedPort();
      const result = await send(sampleNotification(), `http://127.0.0.1:${port}/hook`);
      expect(result).toMatchObject({ ok: false, retryable: true });
    });

    it("lets no secret into any returned error or log line", async () => {
      // The secrets did reach the wire where they belong, so their absence below means something.
      const wire = rx.requests.map((r) => JSON.stringify(r.headers) + r.body).join("\n");
      const onWire = leakForms(SECRETS).filter((s) => wire.includes(s));
      expect(onWire.length).toBeGreaterThan(0);

      expect(errors.length).toBeGreaterThanOrEqual(10);
      expect(logLines.length).toBeGreaterThan(0);
      const seen = [...errors, ...logLines].join("\n");
      for (const secret of leakForms(SECRETS)) expect(seen).not.toContain(secret);
    });
  });
}
