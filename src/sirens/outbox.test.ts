import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { ReceiverConfig } from "../config/index.js";
import { FakeClock } from "../core/clock.js";
import type { Store } from "../store/index.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { sampleNotification, T0 } from "./fixtures.case.js";
import {
  claimRow,
  type DeliveryAttempt,
  enqueueNotifications,
  listOutbox,
  type Notification,
  type OutboxEntry,
  OutboxWorker,
  type OutboxWorkerOptions,
  type ReceiverKind,
  receiversFrom,
  sirenMigrations,
} from "./index.js";
import { claimRows } from "./outbox.js";
import { type LoopbackReceiver, startLoopbackReceiver } from "./receivers/loopback.case.js";

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

interface Rig {
  file: string;
  store: Store;
  clock: FakeClock;
  rx: LoopbackReceiver;
  receivers: Record<string, ReceiverConfig>;
  attempts: DeliveryAttempt[];
  worker: OutboxWorker;
  newWorker(over?: Partial<OutboxWorkerOptions>, store?: Store): OutboxWorker;
  enqueue(entries: OutboxEntry[]): Promise<number>;
  /** Runs the worker until nothing is in flight. */
  settle(w?: OutboxWorker): Promise<void>;
  /** Moves the fake clock to `at` (timers fire), then settles. */
  advanceTo(at: number, w?: OutboxWorker): Promise<void>;
}

async function rig(over: Partial<OutboxWorkerOptions> = {}, start = true): Promise<Rig> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-outbox-"));
  dirs.push(dir);
  const file = path.join(dir, "ops.db");
  const store = await openSqliteStore({ file });
  cleanups.push(() => store.close());
  await store.migrate(sirenMigrations);
  const rx = await startLoopbackReceiver();
  cleanups.push(() => rx.close());
  const clock = new FakeClock(T0);
  const receivers: Record<string, ReceiverConfig> = { hook: { type: "webhook", url: rx.url, timeout: 2000 } };
  const attempts: DeliveryAttempt[] = [];
  const newWorker = (o: Partial<OutboxWorkerOptions> = {}, s: Store = store) => {
    const w = new OutboxWorker({
      store: s,
      clock,
      receivers: receiversFrom(() => ({ receivers })),
      random: () => 0,
      // Only due-based wake-ups, so each advance lands exactly on the attempt it aims at.
      pollMs: 30 * 86_400_000,
      onAttempt: (a) => attempts.push(a),
      ...over,
      ...o,
    });
    cleanups.push(() => w.stop());
    return w;
  };
  const worker = newWorker();
  if (start) worker.start();
  const settle = async (w = worker) => {
    await w.idle();
  };
  return {
    file,
    store,
    clock,
    rx,
    receivers,
    attempts,
    worker,
    newWorker,
    enqueue: (entries) => store.tx((tx) => enqueueNotifications(tx, entries, clock.now())),
    settle,
    async advanceTo(at, w = worker) {
      clock.advance(at - clock.now());
      await settle(w);
    },
  };
}

const firing = (over: Partial<OutboxEntry> = {}): OutboxEntry => ({
  receiver: "hook",
  kind: "firing",
  notification: sampleNotification(),
  ...over,
});

describe("outbox enqueue", () => {
  it("queues each (dedupKey, receiver, kind, repeat) once, however often it is asked", async () => {
    const r = await rig({}, false);
    expect(await r.enqueue([firing(), firing({ receiver: "other" })])).toBe(2);
    expect(await r.enqueue([firing(), firing({ receiver: "other" })])).toBe(0);
    expect(await r.enqueue([firing({ kind: "repeat", repeatNo: 1 })])).toBe(0); // firing still pending
    const rows = await listOutbox(r.store);
    expect(rows.map((x) => [x.receiver, x.kind, x.state, x.attempts])).toEqual([
      ["hook", "firing", "pending", 0],
      ["other", "firing", "pending", 0],
    ]);
    expect(rows[0]?.payload).toEqual(sampleNotification());
  });
});

describe("OutboxWorker", () => {
  it("delivers a queued notification once and marks it delivered", async () => {
    const r = await rig();
    await r.enqueue([firing()]);
    r.worker.kick();
    await r.settle();
    expect(r.rx.requests).toHaveLength(1);
    expect(JSON.parse(r.rx.requests[0]!.body)).toEqual(sampleNotification());
    const [row] = await listOutbox(r.store);
    expect(row).toMatchObject({ state: "delivered", attempts: 1, deliveredAt: T0, leaseUntil: null });
    expect(r.rx.requests[0]!.headers["x-hms-ops-delivery"]).toBe(row!.id);
    expect(r.attempts).toEqual([expect.objectContaining({ result: "delivered", attempt: 1, status: 200 })]);
    r.worker.kick();
    await r.advanceTo(T0 + 3_600_000);
    expect(r.rx.requests).toHaveLength(1);
  });

  it("retries a 500 with growing back-off and delivers exactly once after recovery", async () => {
    const r = await rig();
    r.rx.respond({ status: 500 }, { status: 500 }, { status: 503 }, { status: 500 });
    await r.enqueue([firing()]);
    r.worker.kick();
    await r.settle();
    const times: number[] = [r.clock.now()];
    for (let i = 0; i < 4; i++) {
      const [row] = await listOutbox(r.store);
      expect(row?.state).toBe("pending");
      expect(row?.lastError).toMatch(/HTTP 50[03]/);
      // Nothing is sent before the back-off is over.
      await r.advanceTo(row!.nextAttemptAt - 1);
      expect(r.rx.requests).toHaveLength(i + 1);
      await r.advanceTo(row!.nextAttemptAt);
      expect(r.rx.requests).toHaveLength(i + 2);
      times.push(r.clock.now());
    }
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps).toEqual([1000, 2000, 4000, 8000]);
    const [row] = await listOutbox(r.store);
    expect(row).toMatchObject({ state: "delivered", attempts: 5, lastError: null });
    expect(r.attempts.map((a) => a.result)).toEqual(["retry", "retry", "retry", "retry", "delivered"]);
    await r.advanceTo(r.clock.now() + 86_400_000);
    expect(r.rx.requests).toHaveLength(5);
  });

  it("honours Retry-After over a shorter back-off", async () => {
    const r = await rig();
    r.rx.respond({ status: 429, headers: { "retry-after": "30" } });
    await r.enqueue([firing()]);
    r.worker.kick();
    await r.settle();
    const [row] = await listOutbox(r.store);
    expect(row?.nextAttemptAt).toBe(T0 + 30_000);
    await r.advanceTo(T0 + 29_999);
    expect(r.rx.requests).toHaveLength(1);
    await r.advanceTo(T0 + 30_000);
    expect(r.rx.requests).toHaveLength(2);
  });

  it("marks a 400 failed, records the error and never retries it", async () => {
    const r = await rig();
    r.rx.respond({ status: 400, body: "unknown field dedupKey" });
    await r.enqueue([firing()]);
    r.worker.kick();
    await r.settle();
    await r.advanceTo(T0 + 86_400_000);
    expect(r.rx.requests).toHaveLength(1);
    const [row] = await listOutbox(r.store);
    expect(row).toMatchObject({ state: "failed", attempts: 1 });
    expect(row?.lastError).toMatch(/HTTP 400: unknown field dedupKey/);
    expect(r.attempts).toEqual([expect.objectContaining({ result: "failed", status: 400 })]);
  });

  it("gives up as dead once a day of retries has passed", async () => {
    const r = await rig({ backoff: { capMs: 3_600_000 } });
    r.rx.fallback({ status: 503 });
    await r.enqueue([firing()]);
    r.worker.kick();
    await r.settle();
    for (let i = 0; i < 40; i++) {
      const [row] = await listOutbox(r.store);
      if (row?.state !== "pending") break;
      await r.advanceTo(row.nextAttemptAt);
    }
    const [row] = await listOutbox(r.store);
    expect(row?.state).toBe("dead");
    expect(r.clock.now() - T0).toBeGreaterThanOrEqual(86_400_000);
    expect(r.attempts.at(-1)).toMatchObject({ result: "dead" });
    expect(r.attempts.slice(0, -1).every((a) => a.result === "retry")).toBe(true);
  });

  it("stops after maxAttempts when set", async () => {
    const r = await rig({ maxAttempts: 2 });
    r.rx.fallback({ status: 500 });
    await r.enqueue([firing()]);
    r.worker.kick();
    await r.settle();
    await r.advanceTo(T0 + 1000);
    await r.advanceTo(T0 + 3_600_000);
    expect(r.rx.requests).toHaveLength(2);
    expect((await listOutbox(r.store))[0]?.state).toBe("dead");
  });

  it("after a restart, never re-sends what was delivered and delivers what was pending", async () => {
    const r = await rig();
    await r.enqueue([firing()]);
    r.worker.kick();
    await r.settle();
    r.rx.respond({ status: 500 });
    await r.enqueue([firing({ kind: "resolved", notification: sampleNotification({ kind: "resolved" }) })]);
    r.worker.kick();
    await r.settle();
    expect(r.rx.requests.map((q) => JSON.parse(q.body).status)).toEqual(["firing", "resolved"]);
    await r.worker.stop();
    await r.store.close();

    const store = await openSqliteStore({ file: r.file });
    cleanups.push(() => store.close());
    const w = r.newWorker({}, store);
    w.start();
    await r.settle(w);
    expect(r.rx.requests).toHaveLength(2); // the retry is not due yet, the delivered row never is
    await r.advanceTo(T0 + 1000, w);
    expect(r.rx.requests.map((q) => JSON.parse(q.body).status)).toEqual(["firing", "resolved", "resolved"]);
    expect((await listOutbox(store)).map((x) => x.state)).toEqual(["delivered", "delivered"]);
    await r.advanceTo(T0 + 86_400_000, w);
    expect(r.rx.requests).toHaveLength(3);
  });

  it("retries a row whose lease expired (its node died mid-delivery), and not before", async () => {
    const r = await rig({ leaseMs: 60_000 }, false);
    await r.enqueue([firing()]);
    const [row] = await listOutbox(r.store);
    // The dead node's claim, exactly as the worker makes it.
    const claimed = await r.store.run(
      "UPDATE siren_outbox SET lease_until = ?, attempts = attempts + 1 WHERE id = ? AND (lease_until IS NULL OR lease_until <= ?)",
      [T0 + 60_000, row!.id, T0],
    );
    expect(claimed.changes).toBe(1);
    r.worker.start();
    await r.settle();
    await r.advanceTo(T0 + 59_999);
    expect(r.rx.requests).toHaveLength(0);
    await r.advanceTo(T0 + 60_000);
    expect(r.rx.requests).toHaveLength(1);
    expect((await listOutbox(r.store))[0]).toMatchObject({ state: "delivered", attempts: 2 });
  });

  it("a node restarting after a crash retries its own interrupted delivery at once, not after the lease", async () => {
    const r = await rig({ leaseMs: 60_000, nodeId: "node-a" }, false);
    await r.enqueue([firing()]);
    const [row] = await listOutbox(r.store);
    // This node's claim before it was killed mid-delivery.
    expect(await claimRow(r.store, row!.id, T0, T0 + 60_000, "node-a")).toBe(true);
    await r.worker.start();
    await r.settle();
    expect(r.rx.requests).toHaveLength(1);
    expect((await listOutbox(r.store))[0]).toMatchObject({ state: "delivered", attempts: 2 });
  });

  it("another node's live lease is left alone at start", async () => {
    const r = await rig({ leaseMs: 60_000, nodeId: "node-a" }, false);
    await r.enqueue([firing()]);
    const [row] = await listOutbox(r.store);
    expect(await claimRow(r.store, row!.id, T0, T0 + 60_000, "node-b")).toBe(true);
    await r.worker.start();
    await r.settle();
    expect(r.rx.requests).toHaveLength(0);
  });

  it("claims many rows at once, only those due and not leased elsewhere", async () => {
    const r = await rig({ leaseMs: 60_000 }, false);
    const alert = (i: number) => sampleNotification({ alertId: `a${i}` });
    await r.enqueue(Array.from({ length: 3 }, (_, i) => firing({ notification: alert(i) })));
    const listed = await listOutbox(r.store);
    const ids = listed.map((x) => x.id);
    expect(await claimRow(r.store, ids[1]!, T0, T0 + 60_000, "node-b")).toBe(true);
    const won = await claimRows(r.store, ids, T0, T0 + 60_000, "node-a");
    expect(won.map((x) => [x.id, x.attempts, x.leaseUntil])).toEqual([
      [ids[0], 1, T0 + 60_000],
      [ids[2], 1, T0 + 60_000],
    ]);
    expect(won[0]?.payload).toEqual(listed[0]?.payload);
    expect(await claimRows(r.store, ids, T0 + 59_999, T0 + 120_000, "node-c")).toEqual([]);
    const rows = await listOutbox(r.store);
    expect(rows.map((x) => [x.attempts, x.leaseUntil])).toEqual([
      [1, T0 + 60_000],
      [1, T0 + 60_000],
      [1, T0 + 60_000],
    ]);
  });

  it("two workers on one database deliver each row exactly once", async () => {
    const r = await rig({}, false);
    const other = await openSqliteStore({ file: r.file });
    cleanups.push(() => other.close());
    const entries = Array.from({ length: 20 }, (_, i) =>
      firing({ notification: sampleNotification({ alertId: `alert-${i}` }) }),
    );
    await r.enqueue(entries);
    const a = r.newWorker({ concurrency: 4 });
    const b = r.newWorker({ concurrency: 4 }, other);
    a.start();
    b.start();
    await Promise.all([r.settle(a), r.settle(b)]);
    for (let i = 0; i < 5 && r.rx.requests.length < 20; i++) {
      a.kick();
      b.kick();
      await Promise.all([r.settle(a), r.settle(b)]);
    }
    const keys = r.rx.requests.map((q) => JSON.parse(q.body).alertId as string);
    expect(keys.sort()).toEqual(entries.map((e) => e.notification.alertId).sort());
    expect((await listOutbox(r.store)).every((x) => x.state === "delivered" && x.attempts === 1)).toBe(true);
  });

  it("bounds deliveries in flight", async () => {
    const r = await rig({ concurrency: 2, perReceiver: 2 });
    let inFlight = 0;
    let most = 0;
    r.rx.fallback(() => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => inFlight--, 60);
      return { status: 200, delayMs: 60 };
    });
    await r.enqueue(
      Array.from({ length: 6 }, (_, i) => firing({ notification: sampleNotification({ alertId: `a${i}` }) })),
    );
    r.worker.kick();
    await r.settle();
    expect(r.rx.requests).toHaveLength(6);
    expect(most).toBe(2);
  });

  it("a receiver that hangs holds only its share of the deliveries; pages to the others keep leaving", async () => {
    const r = await rig({ concurrency: 4, perReceiver: 2 });
    const slow = await startLoopbackReceiver();
    slow.fallback({ status: 200, delayMs: 60_000 });
    r.receivers.slow = { type: "webhook", url: slow.url, timeout: 120_000 };
    const alert = (i: number) => sampleNotification({ alertId: `a${i}` });
    // The hanging receiver's rows are queued first, so without a share they would take every slot.
    await r.enqueue(
      Array.from({ length: 6 }, (_, i) => firing({ receiver: "slow", notification: alert(i) })),
    );
    await r.enqueue(Array.from({ length: 3 }, (_, i) => firing({ notification: alert(i) })));
    r.worker.kick();
    await r.rx.waitFor(3);
    expect(slow.requests).toHaveLength(2);
    await slow.close(); // the hung requests fail (connection reset) and are retried later
    await r.settle();
    const rows = await listOutbox(r.store);
    expect(rows.filter((x) => x.receiver === "hook").every((x) => x.state === "delivered")).toBe(true);
    expect(rows.filter((x) => x.receiver === "slow" && x.attempts > 0).length).toBeGreaterThanOrEqual(2);
  });

  it("while another receiver is at its share, a delivered firing still lets its resolve go at once", async () => {
    const r = await rig({ concurrency: 4, perReceiver: 2 });
    const slow = await startLoopbackReceiver();
    slow.fallback({ status: 200, delayMs: 60_000 });
    r.receivers.slow = { type: "webhook", url: slow.url, timeout: 120_000 };
    r.rx.respond({ status: 200, delayMs: 300 });
    const alert = (i: number) => sampleNotification({ alertId: `a${i}` });
    await r.enqueue(
      Array.from({ length: 2 }, (_, i) => firing({ receiver: "slow", notification: alert(i) })),
    );
    await r.enqueue([
      firing(),
      firing({ kind: "resolved", notification: sampleNotification({ kind: "resolved" }) }),
    ]);
    r.worker.kick();
    await slow.waitFor(2);
    // A pass while the firing is out: the slow receiver is at its share, the resolve still blocked.
    r.worker.kick();
    await r.rx.waitFor(2);
    expect(r.rx.requests.map((q) => JSON.parse(q.body).status)).toEqual(["firing", "resolved"]);
    await slow.close();
    await r.settle();
  });

  it("delivers a large backlog once each, recording every attempt once", async () => {
    const r = await rig({ concurrency: 8 });
    const entries = Array.from({ length: 150 }, (_, i) =>
      firing({ notification: sampleNotification({ alertId: `alert-${i}` }) }),
    );
    await r.enqueue(entries);
    r.worker.kick();
    await r.settle();
    const keys = r.rx.requests.map((q) => JSON.parse(q.body).alertId as string);
    expect(keys.sort()).toEqual(entries.map((e) => e.notification.alertId).sort());
    const rows = await listOutbox(r.store);
    expect(rows.every((x) => x.state === "delivered" && x.attempts === 1 && x.leaseUntil === null)).toBe(
      true,
    );
    expect(r.attempts.map((a) => a.outboxId).sort()).toEqual(rows.map((x) => x.id).sort());
  });

  it("sends an episode's resolve only after its firing reached the receiver", async () => {
    const r = await rig();
    r.rx.respond({ status: 500 });
    await r.enqueue([firing()]);
    r.worker.kick();
    await r.settle();
    await r.enqueue([firing({ kind: "resolved", notification: sampleNotification({ kind: "resolved" }) })]);
    r.worker.kick();
    await r.settle();
    expect(r.rx.requests).toHaveLength(1); // the resolve waits behind the firing's retry
    await r.advanceTo(T0 + 1000);
    expect(r.rx.requests.map((q) => JSON.parse(q.body).status)).toEqual(["firing", "firing", "resolved"]);
  });

  it("keeps a row for a receiver missing from the config, and delivers it once it is back", async () => {
    const r = await rig();
    const hook = r.receivers.hook!;
    delete r.receivers.hook;
    await r.enqueue([firing()]);
    r.worker.kick();
    await r.settle();
    const [row] = await listOutbox(r.store);
    expect(row).toMatchObject({ state: "pending", lastError: 'receiver "hook" is not configured' });
    r.receivers.hook = hook;
    await r.advanceTo(row!.nextAttemptAt);
    expect(r.rx.requests).toHaveLength(1);
  });

  it("scrubs secrets from what a misbehaving kind throws", async () => {
    const secret = "s3cret-signing-key-xyz";
    const leaky: ReceiverKind = {
      type: "webhook",
      secrets: () => [secret],
      send: async (_n: Notification) => {
        throw new Error(`boom with ${secret} inside`);
      },
    };
    const r = await rig({
      receivers: () => ({ kind: leaky, config: { type: "webhook", url: "http://x", secret, timeout: 10 } }),
    });
    await r.enqueue([firing()]);
    r.worker.kick();
    await r.settle();
    const [row] = await listOutbox(r.store);
    expect(row?.lastError).toContain("boom with [redacted] inside");
    expect(JSON.stringify(r.attempts)).not.toContain(secret);
  });
});
