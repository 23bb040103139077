/**
 * The policy stage with a fake clock, a real SQLite store and a real policy server on loopback:
 * changes recorded once (also across restarts and between two nodes), audit entries and incident
 * timelines, samples for the built-in SLOs, a failing source reported as down and never as drift.
 */
import fs from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AuditLog, auditMigrations, createAuditLog } from "../audit/index.js";
import { MemoryBus } from "../bus/memory.js";
import type { PolicyConfig } from "../config/index.js";
import { FakeClock } from "../core/clock.js";
import { silentLogger } from "../core/log.js";
import { createIncidentStore, type IncidentStore, incidentMigrations } from "../incidents/index.js";
import type { SampleInput } from "../series/index.js";
import { alertEvent, resolvedOf, T0 } from "../sirens/fixtures.case.js";
import type { Store } from "../store/index.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { KEEPALIVE_MS, PolicyMonitor, policyMigrations } from "./index.js";

let server: Server;
let base = "";
let reply = { status: 200, body: '{"id":"pack-1"}' };
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(reply.status, { "content-type": "application/json" });
    res.end(reply.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

interface World {
  store: Store;
  audit: AuditLog;
  incidents: IncidentStore;
  clock: FakeClock;
}

async function world(): Promise<World> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-policy-"));
  dirs.push(dir);
  const store = await openSqliteStore({ file: path.join(dir, "ops.db") });
  cleanups.push(() => store.close());
  await store.migrate([...auditMigrations, ...incidentMigrations, ...policyMigrations]);
  const clock = new FakeClock(T0);
  return {
    store,
    audit: createAuditLog(store, clock),
    incidents: createIncidentStore({ store, clock }),
    clock,
  };
}

async function monitor(w: World, config: Partial<PolicyConfig> = {}) {
  const samples: SampleInput[] = [];
  const m = new PolicyMonitor({
    ...w,
    bus: new MemoryBus(),
    logger: silentLogger(),
    ingest: (s) => samples.push(...s),
  });
  m.configure({ source: `${base}/policy/version`, interval: 30_000, ...config });
  await m.start();
  cleanups.push(() => m.stop());
  /** Moves the fake clock and waits for the fetch it started (if any) to be recorded. */
  const advance = async (ms: number) => {
    w.clock.advance(ms);
    await m.watcher.settled();
  };
  await advance(0);
  const last = (metric: string) => samples.filter((s) => s.metric === metric).at(-1);
  return { m, samples, advance, last };
}

const changes = async (audit: AuditLog) =>
  (await audit.list({ action: "policy.changed" })).map((e) => ({
    actor: e.actor,
    ...(e.data as { from: string | null; to: string; fromDigest: string | null; toDigest: string }),
  }));

describe("PolicyMonitor", () => {
  it("records the first pack as a baseline (from null), audited, with samples up and no drift", async () => {
    reply = { status: 200, body: '{"id":"pack-1"}' };
    const w = await world();
    const { m, samples } = await monitor(w);
    expect(await changes(w.audit)).toEqual([
      {
        actor: "hms-ops",
        from: null,
        to: "pack-1",
        fromDigest: null,
        toDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    expect(samples).toEqual([
      { metric: "policy_drift", labels: {}, value: 0, ts: T0 },
      { metric: "policy_source_up", labels: {}, value: 1, ts: T0 },
    ]);
    expect(m.evidence()).toEqual({
      id: "pack-1",
      approved: null,
      drift: false,
      lastChange: { changedAt: new Date(T0).toISOString(), from: null, to: "pack-1" },
    });
  });

  it("a change is audited and noted on every incident open or acknowledged then, not on resolved ones", async () => {
    reply = { status: 200, body: '{"id":"pack-1"}' };
    const w = await world();
    const { m, advance } = await monitor(w);
    const opened = await w.store.tx(async (tx) => {
      const open = await w.incidents.openFor(tx, alertEvent(), "pack-1");
      const acked = await w.incidents.openFor(
        tx,
        alertEvent({ alertId: "b/b", slo: "b", seriesKey: "b" }),
        "pack-1",
      );
      await w.incidents.acknowledge(tx, acked.incident.id, "operator", T0);
      const closed = alertEvent({ alertId: "c/c", slo: "c", seriesKey: "c" });
      const gone = await w.incidents.openFor(tx, closed, "pack-1");
      await w.incidents.resolveFor(tx, resolvedOf(closed, T0));
      return [open.incident.id, acked.incident.id, gone.incident.id] as const;
    });

    reply = { status: 200, body: '{"id":"pack-2","rules":7}' };
    await advance(30_000);
    const audited = await changes(w.audit);
    expect(audited).toHaveLength(2);
    expect(audited[1]).toMatchObject({ actor: "hms-ops", from: "pack-1", to: "pack-2" });
    const noted = async (id: string) =>
      (await w.incidents.detail(id))?.timeline.filter((e) => e.type === "policy.changed") ?? [];
    for (const id of opened.slice(0, 2)) {
      expect(await noted(id)).toEqual([
        expect.objectContaining({
          at: T0 + 30_000,
          actor: null,
          data: expect.objectContaining({ from: "pack-1", to: "pack-2" }),
        }),
      ]);
    }
    expect(await noted(opened[2])).toEqual([]);
    expect(m.evidence().lastChange).toEqual({
      changedAt: new Date(T0 + 30_000).toISOString(),
      from: "pack-1",
      to: "pack-2",
    });

    // The same pack again, and a new document with the same id: only the latter is a change.
    await advance(30_000);
    reply = { status: 200, body: '{"id":"pack-2","rules":8}' };
    await advance(30_000);
    const all = await changes(w.audit);
    expect(all.map((c) => `${c.from}→${c.to}`)).toEqual(["null→pack-1", "pack-1→pack-2", "pack-2→pack-2"]);
    expect((await m.changes({ limit: 2 })).map((c) => c.seq)).toEqual([3, 2]);
    expect((await m.changes({ before: 2 })).map((c) => c.to)).toEqual(["pack-1"]);
  });

  it("drift is 1 while the live pack differs from the approved one, also right after a reload", async () => {
    reply = { status: 200, body: '{"id":"pack-2"}' };
    const w = await world();
    const { m, last, advance } = await monitor(w, { approved: "pack-1" });
    expect(last("policy_drift")?.value).toBe(1);
    m.configure({ source: `${base}/policy/version`, interval: 30_000, approved: "pack-2" });
    // Sent at once, a millisecond after the fetch's samples of the same instant (never a tie).
    expect(last("policy_drift")).toEqual({ metric: "policy_drift", labels: {}, value: 0, ts: T0 + 1 });
    reply = { status: 200, body: '{"id":"pack-3"}' };
    await advance(30_000);
    expect(last("policy_drift")?.value).toBe(1);
  });

  it("a source that is down or answers garbage is reported as down, keeps the last pack, is never drift", async () => {
    reply = { status: 200, body: '{"id":"pack-1"}' };
    const w = await world();
    const { m, last, advance } = await monitor(w, { approved: "pack-1" });
    for (const bad of [
      { status: 503, body: "maintenance" },
      { status: 200, body: "<html>oops</html>" },
      { status: 200, body: '{"version":"pack-9"}' },
      { status: 200, body: "null" },
    ]) {
      reply = bad;
      await advance(30_000);
      expect(last("policy_source_up")?.value).toBe(0);
      expect(last("policy_drift")?.value).toBe(0);
      expect(m.current()).toMatchObject({ id: "pack-1", drift: false, error: expect.any(String) });
    }
    reply = { status: 200, body: '{"id":"pack-1"}' };
    await advance(30_000);
    expect(last("policy_source_up")?.value).toBe(1);
    expect(await changes(w.audit)).toHaveLength(1);
  });

  it("re-sends its samples every minute when the interval is longer", async () => {
    reply = { status: 200, body: '{"id":"pack-1"}' };
    const w = await world();
    const { samples, advance } = await monitor(w, { interval: 10 * 60_000 });
    await advance(KEEPALIVE_MS);
    await advance(KEEPALIVE_MS);
    expect(samples.filter((s) => s.metric === "policy_source_up").map((s) => s.ts)).toEqual([
      T0,
      T0 + KEEPALIVE_MS,
      T0 + 2 * KEEPALIVE_MS,
    ]);
  });

  it("a pack that changed while HMS-OPS was down is recorded once at the next start", async () => {
    reply = { status: 200, body: '{"id":"pack-1"}' };
    const w = await world();
    const first = await monitor(w);
    await first.m.stop();
    reply = { status: 200, body: '{"id":"pack-2"}' };
    w.clock.advance(3_600_000);
    const second = await monitor(w);
    expect(second.m.evidence().lastChange).toMatchObject({ from: "pack-1", to: "pack-2" });
    await second.m.stop();
    await monitor(w);
    expect((await changes(w.audit)).map((c) => `${c.from}→${c.to}`)).toEqual([
      "null→pack-1",
      "pack-1→pack-2",
    ]);
  });

  it("two nodes seeing the same new pack record it once", async () => {
    reply = { status: 200, body: '{"id":"pack-1"}' };
    const w = await world();
    const a = await monitor(w);
    const b = await monitor(w);
    reply = { status: 200, body: '{"id":"pack-2"}' };
    w.clock.advance(30_000);
    await Promise.all([a.m.watcher.settled(), b.m.watcher.settled()]);
    expect((await changes(w.audit)).map((c) => `${c.from}→${c.to}`)).toEqual([
      "null→pack-1",
      "pack-1→pack-2",
    ]);
    expect(a.m.evidence().lastChange?.to).toBe("pack-2");
    expect(b.m.evidence().lastChange?.to).toBe("pack-2");
  });
});
