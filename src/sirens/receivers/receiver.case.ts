/**
 * The contract every receiver kind passes (Alertmanager's notify/ test helper), against a real
 * server on loopback: it delivers, it classifies failures as retryable or not, and no secret of
 * its config ever appears in a returned error or a log line. The suite speaks to the server
 * through a small {@link ContractEndpoint}; loopback HTTP (`receiverContract`) and SMTP
 * (email/smtp.case.ts) provide one each. Never part of the build.
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

export const CONTRACT_SECRETS: ContractSecrets = {
  signing: "hmac-S3cret-4b1d9e",
  user: "contract-user-7f3a",
  password: "pw-S3cr3t-9q1z",
  token: "tok-Z9y8x7w6v5u4",
  timeoutMs: 300,
};

/** Every form a leaked secret could take in text. */
export function leakForms(s: ContractSecrets): string[] {
  const raw = [s.signing, s.user, s.password, s.token];
  const b64 = (v: string) => Buffer.from(v).toString("base64");
  return [
    ...raw,
    ...raw.map(encodeURIComponent),
    b64(`${s.user}:${s.password}`),
    b64(s.password),
    b64(`\u0000${s.user}\u0000${s.password}`),
  ];
}

/** What the endpoint does with the next delivery. */
export type Outcome =
  | { answer: "accept" }
  /** Refuse with this status / reply code, quoting back everything received (secrets included). */
  | { answer: "refuse"; code: number; retryAfter?: string }
  /** Take the delivery but never answer. */
  | { answer: "stall" };

export interface ContractEndpoint<D> {
  /** Where a config delivers: an http:// URL, an smtp:// URL. */
  readonly address: string;
  /** The same kind of address on a port nothing listens on. */
  closedAddress(): Promise<string>;
  /** Queues the outcome of the next delivery; afterwards, deliveries are accepted. */
  next(outcome: Outcome): void;
  /** What arrived, in order. */
  readonly deliveries: readonly D[];
  /** Everything received so far as text, to show the secrets did travel where they belong. */
  wire(): string;
  close(): Promise<void>;
}

export interface ContractSuite<C extends ReceiverConfig, D> {
  endpoint(): Promise<ContractEndpoint<D>>;
  /** A config that delivers to `address`, using each secret where the kind can. */
  makeConfig(address: string, secrets: ContractSecrets): C;
  /** Asserts that `delivery` carries `n` in this kind's wire format. */
  expectPayload(delivery: D, n: Notification): void;
  /** Answers that must come back retryable (HTTP 5xx, SMTP 4xx...), and ones that must not. */
  retryable: readonly number[];
  permanent: readonly number[];
  /** The protocol has `Retry-After` and the kind must honour it. */
  retryAfter?: boolean;
}

export function contractSuite<C extends ReceiverConfig, D>(
  kind: ReceiverKind<C>,
  suite: ContractSuite<C, D>,
): void {
  describe(`receiver contract: ${kind.type}`, () => {
    let ep: ContractEndpoint<D>;
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
    const send = async (n: Notification, address = ep.address): Promise<SendResult> => {
      const result = await kind.send(n, suite.makeConfig(address, CONTRACT_SECRETS), ctx());
      if (!result.ok) errors.push(result.error);
      return result;
    };

    beforeAll(async () => {
      ep = await suite.endpoint();
    });
    afterAll(async () => {
      await kind.close?.();
      await ep.close();
    });

    it("delivers the notification and reports ok", async () => {
      const n = sampleNotification();
      ep.next({ answer: "accept" });
      const before = ep.deliveries.length;
      const result = await send(n);
      expect(result).toMatchObject({ ok: true });
      expect(ep.deliveries.length).toBe(before + 1);
      suite.expectPayload(ep.deliveries[ep.deliveries.length - 1]!, n);
    });

    it.each(suite.retryable)("classifies %i as retryable, naming it", async (code) => {
      ep.next({ answer: "refuse", code });
      const result = await send(sampleNotification());
      expect(result).toMatchObject({ ok: false, retryable: true, status: code });
      if (!result.ok) expect(result.error).toContain(String(code));
    });

    it.each(suite.permanent)("classifies %i as not retryable, naming it", async (code) => {
      ep.next({ answer: "refuse", code });
      const result = await send(sampleNotification());
      expect(result).toMatchObject({ ok: false, retryable: false, status: code });
      if (!result.ok) expect(result.error).toContain(String(code));
    });

    it.runIf(suite.retryAfter)("honours Retry-After, in seconds and as an HTTP-date", async () => {
      ep.next({ answer: "refuse", code: 429, retryAfter: "7" });
      const seconds = await send(sampleNotification());
      expect(seconds).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 7000 });

      ep.next({ answer: "refuse", code: 503, retryAfter: new Date(Date.now() + 120_000).toUTCString() });
      const date = await send(sampleNotification());
      expect(date.ok).toBe(false);
      if (!date.ok) {
        expect(date.retryAfterMs).toBeGreaterThan(110_000);
        expect(date.retryAfterMs).toBeLessThanOrEqual(120_000);
      }
    });

    it("gives up on a server that never answers, as retryable", async () => {
      // The server would hold the delivery far longer than the test's own timeout: only the
      // receiver's configured timeout can end it.
      ep.next({ answer: "stall" });
      const result = await send(sampleNotification());
      expect(result).toMatchObject({ ok: false, retryable: true });
      if (!result.ok) expect(result.error).toMatch(/timed out/);
    });

    it("classifies a refused connection as retryable", async () => {
      const result = await send(sampleNotification(), await ep.closedAddress());
      expect(result).toMatchObject({ ok: false, retryable: true });
    });

    it("lets no secret into any returned error or log line", async () => {
      // The secrets did reach the wire where they belong, so their absence below means something.
      const wire = ep.wire();
      const onWire = leakForms(CONTRACT_SECRETS).filter((s) => wire.includes(s));
      expect(onWire.length).toBeGreaterThan(0);

      expect(errors.length).toBeGreaterThanOrEqual(suite.retryable.length + suite.permanent.length + 2);
      expect(logLines.length).toBeGreaterThan(0);
      const seen = [...errors, ...logLines].join("\n");
      for (const secret of leakForms(CONTRACT_SECRETS)) expect(seen).not.toContain(secret);
    });
  });
}

/**
 * An HTTP answer that echoes what it received: the likeliest way a secret lands in an error.
 * Errors quote only the start of an answer, so odd statuses echo the headers first and even ones
 * the body first: a secret in either place reaches the quoted part in some test.
 */
const echo =
  (status: number, headers: Record<string, string> = {}) =>
  (req: CapturedRequest) => ({
    status,
    headers,
    body:
      status % 2 === 1
        ? `you sent ${JSON.stringify(req.headers)} to ${req.path} with ${req.body}`
        : `you sent ${req.body} to ${req.path} with ${JSON.stringify(req.headers)}`,
  });

/** The contract endpoint for HTTP kinds: a loopback server scripted per outcome. */
export async function httpEndpoint(): Promise<ContractEndpoint<CapturedRequest>> {
  const rx: LoopbackReceiver = await startLoopbackReceiver();
  return {
    address: rx.url,
    async closedAddress() {
      return `http://127.0.0.1:${await closedPort()}/hook`;
    },
    next(o) {
      if (o.answer === "accept") rx.respond({ status: 202 });
      else if (o.answer === "stall") rx.respond({ status: 200, delayMs: 3000 });
      else rx.respond(echo(o.code, o.retryAfter ? { "retry-after": o.retryAfter } : {}));
    },
    deliveries: rx.requests,
    wire: () => rx.requests.map((r) => JSON.stringify(r.headers) + r.body).join("\n"),
    close: () => rx.close(),
  };
}

/**
 * The contract for an HTTP receiver kind. `makeConfig` gets a URL that already carries the
 * suite's user and password (`http://user:password@127.0.0.1:port/hook`).
 */
export function receiverContract<C extends ReceiverConfig>(
  kind: ReceiverKind<C>,
  makeConfig: (url: string, secrets: ContractSecrets) => C,
  opts: { expectPayload(req: CapturedRequest, n: Notification): void },
): void {
  contractSuite(kind, {
    endpoint: httpEndpoint,
    makeConfig(address, secrets) {
      const u = new URL(address);
      u.username = encodeURIComponent(secrets.user);
      u.password = encodeURIComponent(secrets.password);
      return makeConfig(u.toString(), secrets);
    },
    expectPayload: opts.expectPayload,
    retryable: [408, 429, 500, 502, 503],
    permanent: [400, 401, 404, 422],
    retryAfter: true,
  });
}
