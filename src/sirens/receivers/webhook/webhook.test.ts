import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookReceiverConfig } from "../../../config/index.js";
import { sampleNotification } from "../../fixtures.case.js";
import { RECEIVER_KINDS, receiverKindFor } from "../index.js";
import { type LoopbackReceiver, startLoopbackReceiver } from "../loopback.case.js";
import { receiverContract } from "../receiver.case.js";
import { signBody, verifySignature, webhookReceiver } from "./index.js";

receiverContract(
  webhookReceiver,
  (url, s) => ({
    type: "webhook",
    url,
    secret: s.signing,
    headers: { authorization: `Bearer ${s.token}` },
    timeout: s.timeoutMs,
  }),
  {
    expectPayload(req, n) {
      expect(req.method).toBe("POST");
      expect(req.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(req.body)).toEqual(n);
    },
  },
);

describe("webhook receiver", () => {
  let rx: LoopbackReceiver;
  beforeAll(async () => {
    rx = await startLoopbackReceiver();
  });
  afterAll(async () => {
    await rx.close();
  });
  const config = (over: Partial<WebhookReceiverConfig> = {}): WebhookReceiverConfig => ({
    type: "webhook",
    url: rx.url,
    timeout: 2000,
    ...over,
  });

  it("is the registered webhook kind", () => {
    expect(RECEIVER_KINDS.webhook).toBe(webhookReceiver);
    expect(receiverKindFor(config())).toBe(webhookReceiver);
    const onlyWebhook = { webhook: webhookReceiver };
    expect(receiverKindFor({ type: "slack", url: "https://hooks.example/x" }, onlyWebhook)).toBeUndefined();
  });

  it("signs the exact raw body with HMAC-SHA256 of the secret", async () => {
    const secret = "whsec-0123456789abcdef";
    const n = sampleNotification();
    expect(await webhookReceiver.send(n, config({ secret }))).toEqual({ ok: true, status: 200 });
    const req = rx.requests.at(-1)!;
    const header = req.headers["x-hms-ops-signature"] as string;
    // Recomputed independently of signature.ts, the way a receiver's docs would tell it to.
    expect(header).toBe(`sha256=${createHmac("sha256", secret).update(req.body).digest("hex")}`);
    expect(verifySignature(req.body, secret, header)).toBe(true);
    expect(verifySignature(req.body, "another-secret", header)).toBe(false);
    expect(verifySignature(`${req.body} `, secret, header)).toBe(false);
    expect(signBody(req.body, secret)).toBe(header);
  });

  it("sends the dedup key, delivery id, attempt and event headers; no signature without a secret", async () => {
    const n = sampleNotification({ kind: "resolved" });
    await webhookReceiver.send(n, config({ headers: { "x-team": "identity" } }), {
      deliveryId: "row-42",
      attempt: 3,
    });
    const req = rx.requests.at(-1)!;
    expect(req.headers).toMatchObject({
      "x-hms-ops-dedup-key": n.dedupKey,
      "x-hms-ops-delivery": "row-42",
      "x-hms-ops-attempt": "3",
      "x-hms-ops-event": "resolved",
      "x-team": "identity",
    });
    expect(req.headers["x-hms-ops-signature"]).toBeUndefined();
  });

  it("says who acknowledged, in the body and a header", async () => {
    const acknowledged = { by: "alice", at: "2026-11-23T09:31:00.000Z" };
    const n = { ...sampleNotification(), acknowledged };
    await webhookReceiver.send(n, config());
    const req = rx.requests.at(-1)!;
    expect(req.headers["x-hms-ops-acknowledged-by"]).toBe("alice");
    expect(JSON.parse(req.body).acknowledged).toEqual(acknowledged);
    const zoe = { ...n, acknowledged: { ...acknowledged, by: "Zoë\r\nX-Evil: 1" } };
    expect(await webhookReceiver.send(zoe, config())).toMatchObject({ ok: true });
    expect(rx.requests.at(-1)!.headers["x-hms-ops-acknowledged-by"]).toBe("Zo%C3%AB%0D%0AX-Evil%3A%201");
    expect(rx.requests.at(-1)!.headers["x-evil"]).toBeUndefined();
    await webhookReceiver.send(sampleNotification(), config());
    expect(rx.requests.at(-1)!.headers["x-hms-ops-acknowledged-by"]).toBeUndefined();
  });

  it("moves URL credentials into a Basic Authorization header", async () => {
    const u = new URL(rx.url);
    u.username = "hook-user";
    u.password = "hook-pass";
    expect(await webhookReceiver.send(sampleNotification(), config({ url: u.toString() }))).toMatchObject({
      ok: true,
    });
    const req = rx.requests.at(-1)!;
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from("hook-user:hook-pass").toString("base64")}`);
    expect(req.path).toBe("/hook");
  });

  it("does not follow redirects: a 3xx is a permanent failure", async () => {
    rx.respond({ status: 301, headers: { location: "http://127.0.0.1:1/elsewhere" } });
    const result = await webhookReceiver.send(sampleNotification(), config());
    expect(result).toMatchObject({ ok: false, retryable: false, status: 301 });
  });
});
